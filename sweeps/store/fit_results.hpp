#pragma once

// What `symsweep fit` stores (critical_fractions, fits, theorem2_fits), what it reads to compute
// it, and the reads of what it stored (by `report`). Every statement on those tables is here.

#include <Eigen/Dense>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "symsweep/core/theorem2.hpp"
#include "store/cell_key.hpp"
#include "store/sqlite.hpp"

namespace symsweep::sweeps {

// ---- What fit reads ----

/// The names of every sweep, in the order they were added.
std::vector<std::string> sweep_names(Database& db);

/// A finished run with a test set (runs with f = 1 have none and say nothing about f*).
struct RunWithTestSet {
  CellKey key;
  int group_order = 0, augment_order = 1;
  double fraction = 0.0, test_acc = 0.0;
  std::int64_t seed = 0;
};
/// The finished runs of `sweep` with a test set, by id.
std::vector<RunWithTestSet> runs_with_test_set(Database& db, const std::string& sweep);

/// The pair counts of a finished run (with or without a test set): how augmentation grew its
/// training set.
struct RunPairCounts {
  std::string cell;  ///< CellKey::cell
  double fraction = 0.0;
  std::int64_t train_pairs = 0, sampled_pairs = 0;
};
/// The finished runs of `sweep` that recorded both counts (sampled_pairs > 0), by id.
std::vector<RunPairCounts> run_pair_counts(Database& db, const std::string& sweep);

/// A finished run that logged monomial potentials, and its learning rate (t = lr * step).
struct RunWithPotentials {
  std::int64_t id = 0;
  double lr = 0.0;
};
/// The finished runs of `sweep` with at least one logged potential, by id.
std::vector<RunWithPotentials> runs_with_potentials(Database& db, const std::string& sweep);

/// The monomial potentials of a run: Re rho_kkk of a character group (k the frequency) or
/// rho_tau of an irrep group (k the irrep's index, with its dimension); both have target 1.
struct RunPotentials {
  std::vector<std::int64_t> steps;  ///< logged steps with a potential, ascending
  std::vector<int> ks;              ///< ascending
  std::vector<int> dims;            ///< per k: the irrep's dimension (1 for a character)
  bool irreps = false;              ///< the rows carry a Frobenius-Schur indicator
  Eigen::MatrixXd re;               ///< steps x ks; NaN where a step lacks that k
};
/// A run's potentials with a real part (none: empty steps and ks).
RunPotentials read_potentials(Database& db, std::int64_t run_id);

// ---- What fit writes, and reads of it ----

/// How a row of fit was made (schema 8; NULL settings in rows made before). Rows of the two
/// count bases never replace each other.
struct FitSettings {
  std::string count_basis = "sampled";  ///< "sampled" (f* n^2) | "augmented" (after augmentation)
  std::optional<std::string> method;    ///< the estimator, e.g. "isotonic+seed_bootstrap"
  std::optional<std::int64_t> bootstrap, seed;
};

/// One row of `critical_fractions`: f*(eps) of one cell (`cell` is CellKey::cell). `low` = 0
/// or a missing `high`: the bootstrap interval left the grid on that side. Its key: sweep,
/// cell, eps and settings.count_basis.
struct CriticalFractionRow {
  std::string sweep, cell, group_spec, augment;
  int group_order = 0, augment_order = 1;
  std::int64_t width = 0;
  double eps = 0.0;
  std::optional<double> estimate, low, high;
  std::string censoring;  ///< none | left | right
  std::optional<std::string> reason;
  std::int64_t runs = 0, seeds = 0;
  std::string created;
  /// schema 8: N* on the row's count basis and its interval, and the factor from f* n^2 to N*
  /// (1 for the sampled count; NULL when censored or not measured).
  std::optional<double> n_star, n_star_low, n_star_high, count_ratio;
  FitSettings settings;
};

/// One row of `fits`: a parameter of a fitted law of one stratum (CellKey::stratum). Rows
/// written before schema 2 have no stratum, model or preferred. Its key: sweep, stratum, eps
/// and settings.count_basis (the rows of both models of one fit share it).
struct FitParameterRow {
  std::string sweep, law, parameter;
  std::optional<std::string> stratum, model;  ///< model: "power" | "n_log_n"
  std::optional<double> estimate, low, high, r2;
  std::optional<std::int64_t> cells;
  std::optional<bool> preferred;
  std::optional<double> fstar_share;   ///< schema 7
  std::optional<std::string> warnings;  ///< schema 7: why the law is weak, or none
  std::string created;
  std::optional<std::string> eps;  ///< schema 8: the eps fitted over, "0.5,0.1" (eps_key)
  FitSettings settings;            ///< schema 8
};

/// The text form of a set of eps values in `fits.eps`: distinct, descending, shortest
/// round-trip decimals joined by "," ("0.5,0.2,0.1").
std::string eps_key(std::vector<double> eps);

/// One row of `theorem2_fits`: the fit of 1 - exp(-C t) to one potential of a run (fit.k is
/// the potential's k; NaN values are stored as NULL and read back as NaN).
struct Theorem2Row {
  std::int64_t run_id = 0;
  int dim = 1;
  core::Theorem2Fit fit;
  std::string created;
};

/// Everything one `fit` of a sweep writes, in one transaction (begun by the constructor;
/// rolled back unless commit() is called).
class FitResultsWriter {
 public:
  explicit FitResultsWriter(Database& db);
  FitResultsWriter(const FitResultsWriter&) = delete;
  FitResultsWriter& operator=(const FitResultsWriter&) = delete;

  /// Adds the row after deleting the stored rows of its key (sweep, cell, eps, count basis).
  void replace(const CriticalFractionRow& row);
  /// Deletes the stored law fits of one key (sweep, stratum, eps, count basis: both models),
  /// before the new rows of that key are added.
  void clear_fits(const std::string& sweep, const std::string& stratum, const std::string& eps,
                  const std::string& count_basis);
  void add(const FitParameterRow& row);
  /// Replaces the Theorem 2 fits of `run_id` by `rows` (their run_id is ignored).
  void replace_theorem2(std::int64_t run_id, const std::vector<Theorem2Row>& rows);
  void commit();

 private:
  Transaction tx_;
  Statement put_critical_, delete_critical_, put_fit_, delete_fits_, delete_theorem2_,
      put_theorem2_;
};

/// Whether the file has the tables of fit's critical fractions and law fits (schema >= 2), and
/// of its Theorem 2 fits (schema >= 6); `report` reads older files without migrating them.
bool has_fit_tables(Database& db);
bool has_theorem2_table(Database& db);

/// The critical fractions of a sweep on the sampled count basis (one row per cell and eps), in
/// the order fit wrote them.
std::vector<CriticalFractionRow> read_critical_fractions(Database& db, const std::string& sweep);
/// The law fits of a sweep on the sampled count basis, in the order fit wrote them: of each
/// stratum and model, the rows of its newest fit only (fits over other eps stay stored).
std::vector<FitParameterRow> read_fits(Database& db, const std::string& sweep);
/// The Theorem 2 fits of a run, by k (empty when fit has not stored any).
std::vector<Theorem2Row> read_theorem2_fits(Database& db, std::int64_t run_id);

}  // namespace symsweep::sweeps
