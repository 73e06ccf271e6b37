#pragma once

#include <Eigen/Dense>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "symsweep/core/group.hpp"

namespace symsweep::sweeps {

/// The flags of `symsweep eval`.
struct EvalOptions {
  std::string group;
  std::string particles;  ///< a .npy of q x 3n float64 (w_a | w_b | w_c), or DB:RUN
  std::string parametrization = "mean-field";
  double input_multiplier = 1.0;
  double output_multiplier = 1.0;
  std::string loss = "centred-mse";
  std::string potentials = "auto";
  bool json = false;
};

/// `symsweep eval --group SPEC --particles Z.npy [--json]`: a saved network's loss and accuracy
/// on all n^2 pairs of the group, its monomial potentials and diagnostics (docs/particles.md),
/// under the parametrization and loss given (the defaults: mean-field, centred-mse). Throws
/// InputError for a bad group, file or shape; returns the exit code.
int run_eval(const EvalOptions& opts);

/// A saved network: `source` is a .npy file (q x 3n float64) or DB:RUN, a run of a results
/// database that kept its particles (save_particles; RUN an id or a config_hash prefix). The
/// matrix is checked against g (3n columns, at least one row, finite); InputError naming
/// `what` (e.g. "compose: A") and the source otherwise.
Eigen::MatrixXd load_network(const std::string& source, const core::Group& g, std::string_view what);

/// Takes the GAP answers (gap: groups' tables) of every results database named by a DB:RUN
/// among `sources` into memory (core::remember_gap_answers), so that the group of a network
/// saved by a sweep is built as the sweep built it, without GAP. Other sources are skipped.
void remember_gap_answers_of(const std::vector<std::string>& sources);

/// eval's report of network z on g under `o` (its parametrization, loss, potentials): the JSON
/// object `eval --json` prints, or with `o.json` false the text lines on stdout (then an empty
/// object is returned).
nlohmann::json report_network(const core::Group& g, const Eigen::MatrixXd& z, const EvalOptions& o);

}  // namespace symsweep::sweeps
