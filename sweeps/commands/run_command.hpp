#pragma once

#include <boost/mpi/communicator.hpp>
#include <cstdint>
#include <string>
#include <vector>

namespace symsweep::sweeps {

struct RunOptions {
  std::string spec;
  std::string db;
  int ranks_per_run = 0;  ///< 0: take [sweep] ranks_per_run
  bool check = false;     ///< validate, count, and stop
  /// "I/N": run only grid points whose position in the grid is I modulo N (independent jobs,
  /// e.g. a Slurm array, each writing its own database, combined with `symsweep merge`).
  std::string shard;
  bool extend = false;  ///< a changed spec adds its new grid points instead of being refused
  /// States whose runs go back to pending before the sweep runs ("failed", "diverged").
  std::vector<std::string> retry;
  double lease_seconds = 0.0;   ///< 0: take [sweep] lease_seconds
  std::string checkpoint_dir;   ///< empty: DB.checkpoints beside the database
  bool allow_network_fs = false;  ///< run on NFS/Lustre/... despite SQLite's locking there
  std::int64_t max_runs = 100000;  ///< a larger grid is refused before it is expanded
  std::string max_memory;          ///< per-rank memory limit ("4G"); empty: the machine's
  /// > 0: start `mpiexec -np N` on this binary and pass signals to its ranks (launch_sweep).
  int np = 0;
  std::string mpiexec = "mpirun";  ///< the launcher command of --np, split at spaces
};

/// Collective on world: `symsweep run`. Rank 0 is the master and the only writer of the
/// database; the spec is read by rank 0, broadcast, and validated identically on every rank.
/// Returns the exit code (same on every rank).
int run_sweep(const RunOptions& opts, const boost::mpi::communicator& world);

/// `symsweep run --np N ...` (no MPI in this process): starts `mpiexec -np N` on this binary
/// with the same arguments less --np and --mpiexec, in a process group of its own, and delivers
/// SIGINT, SIGTERM, SIGHUP and SIGUSR1 that reach this process to the ranks themselves (mpirun
/// would turn SIGINT and SIGTERM into SIGTERM and exit 1). Returns the launcher's exit code.
int launch_sweep(const RunOptions& opts, const std::vector<std::string>& args);

}  // namespace symsweep::sweeps
