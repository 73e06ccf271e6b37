// The KernelTable of this instruction-set level: the one symbol its build publishes
// (symsweep_kernels_<SYMSWEEP_ISA_NS>; core/CMakeLists.txt makes every other symbol of the
// level's object local, so that the levels' copies of Eigen's templates never mix).
#include "kernels/kernels.hpp"

#ifndef SYMSWEEP_ISA_NAME
#error "SYMSWEEP_ISA_NAME is set by core/CMakeLists.txt"
#endif

namespace symsweep::core::SYMSWEEP_ISA_NS {
namespace {

template <typename T>
constexpr TypedKernels<T> typed_kernels() {
  return TypedKernels<T>{&evaluate<T>,     &outputs<T>,   &loss_and_gradient<T>,
                         &adamw_update<T>, &gd_update<T>, &sgd_update<T>};
}

const KernelTable kTable{SYMSWEEP_ISA_NAME,      typed_kernels<float>(),
                         typed_kernels<double>(), &fourier_coords,
                         &monomial_potentials,    &rho_kkk,
                         &effective_dimension,    &frequencies_per_neuron};

}  // namespace
}  // namespace symsweep::core::SYMSWEEP_ISA_NS

#define SYMSWEEP_TABLE_NAME_(ns) symsweep_kernels_##ns
#define SYMSWEEP_TABLE_NAME(ns) SYMSWEEP_TABLE_NAME_(ns)
extern "C" const symsweep::core::KernelTable* SYMSWEEP_TABLE_NAME(SYMSWEEP_ISA_NS)() {
  return &symsweep::core::SYMSWEEP_ISA_NS::kTable;
}
