#pragma once
// The hot kernels of core, compiled once per instruction-set level (docs/kernels.md): the
// training step's forward and backward products, the optimiser updates, the monomial
// potentials and the logged diagnostics. Each build of them lives in its own namespace
// (SYMSWEEP_ISA_NS, set by core/CMakeLists.txt per level) and publishes one C symbol, its
// KernelTable; kernels() picks the table at run time (isa.cpp).

#include <complex>
#include <cstdint>
#include <vector>

#include "symsweep/core/diagnostics.hpp"
#include "symsweep/core/model.hpp"
#include "symsweep/core/potentials.hpp"
#include "symsweep/core/train_config.hpp"

namespace symsweep::core {

template <typename T>
struct TypedKernels {
  using Mat = typename Particles<T>::Mat;
  Evaluation (*evaluate)(const Particles<T>&, const Samples&, Reducer&, const Head&);
  Mat (*outputs)(const Particles<T>&, const Samples&, Reducer&);
  double (*loss_and_gradient)(const Particles<T>&, const Samples&, Reducer&, Workspace<T>&,
                              Gradient<T>&, const Head&);
  /// w, moments m and v, gradient g; bias corrections bc1, bc2 of this step. AdamW (decoupled
  /// decay), or Adam (L2: wd w added to the gradient) when cfg.optimizer is kAdam.
  void (*adamw_update)(Mat& w, const Mat& g, Mat& m, Mat& v, const TrainConfig& cfg, double bc1,
                       double bc2);
  /// w <- decay w - step g.
  void (*gd_update)(Mat& w, const Mat& g, T decay, T step);
  /// PyTorch's SGD: d = g + wd w; with momentum, buf <- momentum buf + d (buf starts at zero,
  /// so its first value is d) and d = buf; w <- w - lr d.
  void (*sgd_update)(Mat& w, const Mat& g, Mat& buf, const TrainConfig& cfg);
};

struct KernelTable {
  const char* isa;  ///< the -march level the table was compiled for, e.g. "x86-64-v4"
  TypedKernels<float> f32;
  TypedKernels<double> f64;
  FourierCoords (*fourier_coords)(const Eigen::Ref<const Eigen::MatrixXd>&, const DualGroup&);
  MpSummary (*monomial_potentials)(const FourierCoords&, std::int64_t, const DualGroup&,
                                   Reducer&);
  std::vector<std::complex<double>> (*rho_kkk)(const FourierCoords&, std::int64_t,
                                               const DualGroup&, Reducer&);
  double (*effective_dimension)(const Eigen::Ref<const Eigen::MatrixXd>&, Reducer&);
  double (*frequencies_per_neuron)(const FourierCoords&, std::int64_t, Reducer&);

  template <typename T>
  const TypedKernels<T>& typed() const {
    if constexpr (std::is_same_v<T, float>) {
      return f32;
    } else {
      return f64;
    }
  }
};

/// The table this process runs (chosen once: isa.cpp).
const KernelTable& kernels();
/// The table of one level, or nullptr when this binary has no such build or this CPU cannot
/// run it (for tests that compare levels).
const KernelTable* kernel_table_for(const char* isa);

}  // namespace symsweep::core

#ifdef SYMSWEEP_ISA_NS
namespace symsweep::core::SYMSWEEP_ISA_NS {

template <typename T>
Evaluation evaluate(const Particles<T>& p, const Samples& samples, Reducer& reducer,
                    const Head& head);
template <typename T>
typename Particles<T>::Mat outputs(const Particles<T>& p, const Samples& samples,
                                   Reducer& reducer);
template <typename T>
double loss_and_gradient(const Particles<T>& p, const Samples& train, Reducer& reducer,
                         Workspace<T>& ws, Gradient<T>& grad, const Head& head);
template <typename T>
void adamw_update(typename Particles<T>::Mat& w, const typename Particles<T>::Mat& g,
                  typename Particles<T>::Mat& m, typename Particles<T>::Mat& v,
                  const TrainConfig& cfg, double bc1, double bc2);
template <typename T>
void gd_update(typename Particles<T>::Mat& w, const typename Particles<T>::Mat& g, T decay,
               T step);
template <typename T>
void sgd_update(typename Particles<T>::Mat& w, const typename Particles<T>::Mat& g,
                typename Particles<T>::Mat& buf, const TrainConfig& cfg);

FourierCoords fourier_coords(const Eigen::Ref<const Eigen::MatrixXd>& z, const DualGroup& dual);
MpSummary monomial_potentials(const FourierCoords& f, std::int64_t q, const DualGroup& dual,
                              Reducer& reducer);
std::vector<std::complex<double>> rho_kkk(const FourierCoords& f, std::int64_t q,
                                          const DualGroup& dual, Reducer& reducer);
double effective_dimension(const Eigen::Ref<const Eigen::MatrixXd>& z, Reducer& reducer);
double frequencies_per_neuron(const FourierCoords& f, std::int64_t q, Reducer& reducer);

}  // namespace symsweep::core::SYMSWEEP_ISA_NS
#endif
