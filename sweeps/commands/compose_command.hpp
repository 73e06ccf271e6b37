#pragma once

#include <string>
#include <vector>

#include "commands/eval_command.hpp"

namespace symsweep::sweeps {

/// The arguments of `symsweep compose`.
struct ComposeOptions {
  std::string op;                  ///< sum | product | scale | one | zero | absorb
  std::vector<std::string> args;   ///< the operands: networks (.npy or DB:RUN) or scale's c
  std::string out;                 ///< the result, a plain network (.npy, q x 3n float64)
  EvalOptions eval;                ///< --group, the parametrization, loss, potentials, --json
};

/// `symsweep compose OP A [B|c] --group SPEC --out C.npy [--json]` (docs/measure-algebra.md):
/// the sum, product or scaling of saved networks read as mean-field measures, the identity
/// (`one`) and zero (`zero`) elements, or `absorb` (a q x (3n+1) .npy whose last column holds
/// the particles' weights); the result is written as a plain network (weights absorbed). Then
/// eval's report of the result, with `homomorphism_error`: the largest deviation of the result's
/// degree-3 MPs from the homomorphism's prediction (rho(A) + rho(B), rho(A) rho(B), c rho(A), or
/// the weighted set's own for absorb), relative to the prediction's largest value.
int run_compose(const ComposeOptions& opts);

}  // namespace symsweep::sweeps
