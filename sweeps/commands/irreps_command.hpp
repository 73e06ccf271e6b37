#pragma once

#include <string>

namespace symsweep::sweeps {

/// `symsweep irreps --group SPEC [--json]`: the irreducible representations of a group (their
/// dimensions, Frobenius-Schur indicators, conjugate partners), its conjugacy classes and
/// character table; with --json also the Cayley table in the engine's element order and each
/// element's name, so particle columns can be mapped to elements. Returns the exit code.
int run_irreps(const std::string& group, bool json);

}  // namespace symsweep::sweeps
