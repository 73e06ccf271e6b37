#include <fmt/core.h>
#include <mpi.h>

#include <boost/mpi/communicator.hpp>
#include <boost/mpi/environment.hpp>
#include <cstdlib>

#include "core/blas.hpp"
#include "sweeps/cli.hpp"

int main(int argc, char** argv) {
  boost::mpi::environment env(argc, argv);
  boost::mpi::communicator world;
  // One BLAS thread per process unless the user asks otherwise: ranks use the cores.
  if (std::getenv("OPENBLAS_NUM_THREADS") == nullptr) symsweep::core::set_blas_threads(1);
  try {
    return symsweep::sweeps::run_cli(std::vector<std::string>(argv + 1, argv + argc), world);
  } catch (const std::exception& e) {
    // A failure on one rank would leave the others waiting in a collective: end the job.
    fmt::print(stderr, "symsweep: rank {}: error: {}\n", world.rank(), e.what());
    std::fflush(stderr);
    if (world.size() > 1) MPI_Abort(MPI_COMM_WORLD, symsweep::sweeps::kExitFailure);
    return symsweep::sweeps::kExitFailure;
  }
}
