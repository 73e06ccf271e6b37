#pragma once

#include <boost/mpi/communicator.hpp>
#include <string>
#include <vector>

namespace symsweep::sweeps {

/// Exit codes of every command (listed in the README).
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  ///< a failure while running
inline constexpr int kExitUsage = 2;    ///< a usage or input error

/// Collective on world: runs the command line `args` (without the program name) on every rank
/// and returns the exit code. Errors are printed to stderr as one line by rank 0; results go to
/// stdout. Under mpirun, `train` shards the particles over all ranks.
int run_cli(const std::vector<std::string>& args, const boost::mpi::communicator& world);

}  // namespace symsweep::sweeps
