#include <cstdlib>

#include "core/blas.hpp"
#include "sweeps/cli.hpp"

int main(int argc, char** argv) {
  // One BLAS thread per process unless the user asks otherwise: ranks use the cores.
  if (std::getenv("OPENBLAS_NUM_THREADS") == nullptr) symsweep::core::set_blas_threads(1);
  return symsweep::sweeps::run_cli(std::vector<std::string>(argv + 1, argv + argc));
}
