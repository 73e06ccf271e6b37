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

#include "store/fit_results.hpp"
#include "store/report_data.hpp"
#include "store/sqlite.hpp"
#include "symsweep/core/theorem2.hpp"

namespace symsweep::sweeps::report {

/// The eps of the report's figures (N* laws, f* markers, the --run figure's generalisation
/// mark) when none is asked for and the sweep is fitted at it.
inline constexpr double kDefaultEps = 0.1;

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

/// The training settings of a stratum without its group family (the stratum key minus the
/// family): strata with one such key share the axes of the accuracy against data fraction.
std::string settings_key(const CellSettings& settings);

/// The stored f*(eps) of a cell (CellKey::cell) at `eps`, or nothing when that cell was not
/// fitted at eps. A row without an estimate is censored: `censoring` says on which side.
const Critical* critical_of(const std::vector<Critical>& critical, const std::string& cell,
                            double eps);

/// The run whose dynamics the report shows for a sweep by default, and why.
struct DynamicsChoice {
  std::int64_t id = 0;
  bool generalised = false;  ///< chosen among the runs of its cell that generalise
  std::string cell;          ///< CellKey::cell of the run
  /// The cell's runs that generalise: above its stored f*(eps), or (cell not fitted at eps)
  /// final test accuracy >= 1 - eps. Empty when none does.
  std::vector<std::int64_t> generalising;
  std::string rule;  ///< how `generalising` was decided, for the caption (HTML)
};

/// The default dynamics run of a sweep: among the cells (every setting but fraction and seed),
/// one with a run that generalises (see DynamicsChoice::generalising), then the most finished
/// runs (ties: abelian groups first, then the larger group); in it, the median by data fraction
/// (ties: by final test accuracy, then id) of its generalising runs. When no run of the sweep
/// generalises: the run with the median final test accuracy of that cell. Nothing when no run
/// is finished.
std::optional<DynamicsChoice> dynamics_run(const SweepData& d);

/// One run's figure data.
struct RunData {
  std::int64_t id = 0;
  RunInfo info;
  std::vector<MetricsRow> metrics;  ///< never empty
  RunPotentials potentials;
  std::vector<Theorem2Row> theorem2;  ///< as stored by `symsweep fit`; empty: not fitted
  core::Theorem2Summary summary;      ///< of `theorem2`
};

/// The logged potentials of the runs of one cell (its finished runs with potentials, by id).
struct CellPotentials {
  std::string cell;
  std::vector<SweepRun> runs;
  std::vector<RunPotentials> potentials;  ///< per run, never empty
};
/// The cells of a stratum whose runs logged potentials, in the order of the cells' keys.
std::vector<CellPotentials> load_cell_potentials(Database& db, const Stratum& st);

/// The run `run_id`. Throws InputError when there is no such run or it logged no metrics.
RunData load_run(Database& db, std::int64_t run_id);

}  // namespace symsweep::sweeps::report
