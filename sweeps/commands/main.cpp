#include <fmt/core.h>

#include <cstdlib>

#include "symsweep/core/blas.hpp"
#include "symsweep/core/error.hpp"
#include "symsweep/distributed/session.hpp"
#include "commands/cli.hpp"

int main(int argc, char** argv) {
  // One BLAS thread per process unless the user asks otherwise: ranks use the cores.
  if (std::getenv("OPENBLAS_NUM_THREADS") == nullptr) symsweep::core::set_blas_threads(1);
  try {
    return symsweep::sweeps::run_cli(std::vector<std::string>(argv + 1, argv + argc));
  } catch (const symsweep::DatabaseError& e) {
    // An unusable results database: the same exit code from every command.
    fmt::print(stderr, "symsweep: rank {}: error: {}\n", symsweep::distributed::launcher_rank(),
               e.what());
    std::fflush(stderr);
    symsweep::distributed::abort_job_if_parallel(symsweep::sweeps::kExitDatabase);
    return symsweep::sweeps::kExitDatabase;
  } catch (const std::exception& e) {
    // A failure on one rank would leave the others waiting in a collective: end the job.
    fmt::print(stderr, "symsweep: rank {}: error: {}\n", symsweep::distributed::launcher_rank(),
               e.what());
    std::fflush(stderr);
    symsweep::distributed::abort_job_if_parallel(symsweep::sweeps::kExitFailure);
    return symsweep::sweeps::kExitFailure;
  }
}
