#pragma once

#include <string>

namespace symsweep::sweeps {

/// The flags of `symsweep eval`.
struct EvalOptions {
  std::string group;
  std::string particles;  ///< a .npy of q x 3n float64 (w_a | w_b | w_c), as train writes it
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

}  // namespace symsweep::sweeps
