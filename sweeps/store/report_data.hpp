#pragma once

// The reads of `symsweep report`: a sweep's runs, one run's settings and logged metrics. What
// `symsweep fit` stored (critical fractions, law fits, Theorem 2 fits) and a run's potentials
// are read with store/fit_results.hpp.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/cell_key.hpp"
#include "store/fit_results.hpp"
#include "store/sqlite.hpp"

namespace symsweep::sweeps {

/// How many runs the file holds.
std::int64_t count_runs(Database& db);
/// The sweeps with at least one run, in the order they were added.
std::vector<std::string> sweeps_with_runs(Database& db);
bool sweep_exists(Database& db, const std::string& name);
/// Finished runs in any of `sweeps` (a run in two of them counts once per sweep).
std::int64_t count_finished_runs(Database& db, const std::vector<std::string>& sweeps);
bool run_exists(Database& db, std::int64_t run_id);

/// A run of a sweep as the report sees it.
struct SweepRun {
  std::int64_t id = 0;
  std::string status;
  CellKey key;  ///< the same key as `symsweep fit`'s
  int group_order = 0, augment_order = 1;
  bool abelian = false;
  double fraction = 0.0;
  std::optional<double> test_acc;
};
/// Every run of `sweep`, by id.
std::vector<SweepRun> read_sweep_runs(Database& db, const std::string& sweep);

/// One run's settings and final values (the caption of its figure).
struct RunInfo {
  std::string group_spec, augment, optimizer, status;
  int group_order = 0;
  bool abelian = false;
  double fraction = 0.0, lr = 0.0, weight_decay = 0.0;
  std::int64_t width = 0, seed = 0, steps = 0;
  std::optional<double> test_acc;
};
/// The run, or nothing when there is no such run.
std::optional<RunInfo> read_run_info(Database& db, std::int64_t run_id);

/// One logged step of a run (missing values: not recorded).
struct MetricsRow {
  std::int64_t step = 0;
  std::optional<double> train_loss, test_loss, train_acc,
      test_acc;  ///< test: NULL without a test set
  std::optional<double> binary_gap, max_offtarget_mp, effective_dim, drift_q, drift_s, drift_c;
  std::optional<double> off_target_energy;  ///< irrep groups, schema >= 3
  /// Steps that measured the Hessian's spectrum (spectrum_every), schema >= 14.
  std::optional<double> hessian_negative, hessian_large, hessian_max, hessian_min;
  std::optional<double> hessian_negative_est, hessian_negative_se, hessian_large_est,
      hessian_large_se, hessian_eff_dim;
};
/// The logged steps of a run, by step.
std::vector<MetricsRow> read_metrics(Database& db, std::int64_t run_id);

}  // namespace symsweep::sweeps
