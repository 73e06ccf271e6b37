#pragma once

namespace symsweep::sweeps {

/// `symsweep groups [--order N] [--json]`: without --order, the group families a spec can name;
/// with it, every group of order N in GAP's small-group library (its gap:SmallGroup(N,i) spec,
/// GAP's StructureDescription, abelian or not, the number of classes and the irrep degrees).
/// Returns the exit code.
int run_groups(int order, bool json);

}  // namespace symsweep::sweeps
