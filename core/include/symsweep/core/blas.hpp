#pragma once

namespace symsweep::core {

/// Sets the number of threads of the BLAS behind Eigen's large products (OpenBLAS). symsweep
/// runs one thread per rank by default: MPI ranks, not BLAS threads, use the cores.
void set_blas_threads(int threads);

}  // namespace symsweep::core
