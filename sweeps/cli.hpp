#pragma once

#include <string>
#include <vector>

namespace symsweep::sweeps {

/// Exit codes of every command (listed in the README).
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  ///< a failure while running
inline constexpr int kExitUsage = 2;    ///< a usage or input error

/// Runs the command line `args` (without the program name) and returns the exit code.
/// Errors are printed to stderr as one line; results go to stdout.
int run_cli(const std::vector<std::string>& args);

}  // namespace symsweep::sweeps
