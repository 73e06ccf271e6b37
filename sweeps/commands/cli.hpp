#pragma once

#include <string>
#include <vector>

namespace symsweep::sweeps {

/// Exit codes of every command (listed in the README).
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  ///< a failure while running
inline constexpr int kExitUsage = 2;    ///< a usage or input error
/// The results database cannot be used: missing (query commands), unreadable, not SQLite, not
/// a symsweep database, or newer than this binary. The same code from every command.
inline constexpr int kExitDatabase = 3;
/// `run`: the sweep ended with every run finished, but some failed or diverged.
inline constexpr int kExitRunsFailed = 4;
/// Stopped by SIGTERM / SIGUSR1 / SIGINT: running runs were checkpointed and put back to pending;
/// run the same command again to continue (EX_TEMPFAIL of sysexits.h).
inline constexpr int kExitStopped = 75;

/// Runs the command line `args` (without the program name) and returns the exit code. Errors go
/// to stderr as one line (printed by rank 0 only under mpirun); results go to stdout. `train`
/// and `run` start MPI (collective over every rank of the job): under mpirun, `train` shards the
/// particles over all ranks and `run` makes rank 0 the master of the teams.
int run_cli(const std::vector<std::string>& args);

}  // namespace symsweep::sweeps
