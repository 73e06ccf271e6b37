#pragma once

// The report's data model, assembled from the store's read side (store/report_data.hpp): what
// the figures and the page show. Nothing here fits anything: the critical fractions, the laws
// and the Theorem 2 fits are read as `symsweep fit` stored them.

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "symsweep/core/theorem2.hpp"
#include "store/fit_results.hpp"
#include "store/report_data.hpp"
#include "store/sqlite.hpp"

namespace symsweep::sweeps::report {

/// A fitted law of one stratum: the rows of `fits` with one model.
struct Law {
  struct Parameter {
    double estimate = 0.0;
    double low = std::numeric_limits<double>::quiet_NaN();
    double high = std::numeric_limits<double>::quiet_NaN();
  };
  std::string formula;
  double r2 = std::numeric_limits<double>::quiet_NaN();
  int cells = 0;
  bool preferred = false;
  std::map<std::string, Parameter> parameters;

  /// The parameter, or {0, 0, 0} for an exponent the law does not have (its variable did not
  /// vary); missing interval ends are the estimate (no band from that term).
  Parameter get(const std::string& name) const;
};

/// A stored critical fraction and the stratum of its cell (that of the sweep's runs in it).
struct Critical {
  CriticalFractionRow stored;
  std::string stratum;  ///< empty when no run of the sweep is in that cell
};

/// The cells of a sweep that share every setting but the group, the augmentation and the data
/// fraction: one set of figures.
struct Stratum {
  std::string key;                  ///< CellKey::stratum
  std::vector<SweepRun> runs;       ///< its finished runs with a test set
  std::vector<Critical> critical;   ///< the critical fractions of its cells
  std::map<std::string, Law> laws;  ///< its fitted laws by model ("power", "n_log_n")
};

/// One sweep.
struct SweepData {
  std::string name;
  std::vector<SweepRun> runs;  ///< every run, by id
  int finished = 0;
  std::map<std::string, Stratum> strata;  ///< the strata of the finished runs, by key
  std::vector<Critical> critical;         ///< every critical fraction of the sweep, as stored
  std::vector<FitParameterRow> fits;      ///< every law parameter of the sweep, as stored
  double eps = 0.0;                       ///< eps of the N* figures and the f* markers
  std::string eps_note;                   ///< why eps is not the one asked for, or empty
};

/// The sweep `name`; `eps` as asked for (0: 0.1 when fitted, else the first fitted).
/// `with_fits`: the file has fit's tables (older files may not).
SweepData load_sweep(Database& db, const std::string& name, double eps, bool with_fits);

/// The run whose dynamics the report shows for a sweep: in the cell (every setting but fraction
/// and seed) with the most finished runs (ties: abelian groups first, then the larger group),
/// the run with the median final test accuracy. Nothing when no run is finished.
std::optional<std::int64_t> median_run(const std::vector<SweepRun>& runs);

/// One run's figure data.
struct RunData {
  std::int64_t id = 0;
  RunInfo info;
  std::vector<MetricsRow> metrics;  ///< never empty
  RunPotentials potentials;
  std::vector<Theorem2Row> theorem2;  ///< as stored by `symsweep fit`; empty: not fitted
  core::Theorem2Summary summary;      ///< of `theorem2`
};

/// The run `run_id`. Throws InputError when there is no such run or it logged no metrics.
RunData load_run(Database& db, std::int64_t run_id);

}  // namespace symsweep::sweeps::report
