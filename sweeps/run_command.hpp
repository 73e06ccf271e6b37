#pragma once

#include <boost/mpi/communicator.hpp>
#include <string>

namespace symsweep::sweeps {

struct RunOptions {
  std::string spec;
  std::string db;
  int ranks_per_run = 0;  ///< 0: take [sweep] ranks_per_run
  bool check = false;     ///< validate, count, and stop
  /// "I/N": run only grid points whose position in the grid is I modulo N (independent jobs,
  /// e.g. a Slurm array, each writing its own database, combined with `symsweep merge`).
  std::string shard;
};

/// Collective on world: `symsweep run`. Rank 0 is the master and the only writer of the
/// database; the spec is read by rank 0, broadcast, and validated identically on every rank.
/// Returns the exit code (same on every rank).
int run_sweep(const RunOptions& opts, const boost::mpi::communicator& world);

}  // namespace symsweep::sweeps
