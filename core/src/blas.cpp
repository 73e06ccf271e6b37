#include "symsweep/core/blas.hpp"

#ifdef SYMSWEEP_USE_BLAS
extern "C" void openblas_set_num_threads(int);
#endif

namespace symsweep::core {

void set_blas_threads([[maybe_unused]] int threads) {
#ifdef SYMSWEEP_USE_BLAS
  openblas_set_num_threads(threads);
#endif
}

}  // namespace symsweep::core
