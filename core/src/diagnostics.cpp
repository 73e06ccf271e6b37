#include "symsweep/core/diagnostics.hpp"

#include "kernels/kernels.hpp"

namespace symsweep::core {

double effective_dimension(const Eigen::Ref<const Eigen::MatrixXd>& z, Reducer& reducer) {
  return kernels().effective_dimension(z, reducer);
}

double frequencies_per_neuron(const FourierCoords& f, std::int64_t q, Reducer& reducer) {
  return kernels().frequencies_per_neuron(f, q, reducer);
}

Invariants invariants(const Eigen::Ref<const Eigen::MatrixXd>& z) {
  const Eigen::Index n = z.cols() / 3;
  Invariants inv;
  inv.q = z.leftCols(n).rowwise().squaredNorm() + z.middleCols(n, n).rowwise().squaredNorm() -
          2.0 * z.rightCols(n).rowwise().squaredNorm();
  inv.s = z.leftCols(n).rowwise().sum() - z.middleCols(n, n).rowwise().sum();
  inv.c = z.rightCols(n).rowwise().sum();
  return inv;
}

Drift conservation_drift(const Invariants& initial, const Invariants& now, std::int64_t width,
                         Reducer& reducer) {
  double scale[3] = {initial.q.cwiseAbs().sum(), initial.s.cwiseAbs().sum(),
                     initial.c.cwiseAbs().sum()};
  double worst[3] = {0.0, 0.0, 0.0};
  if (initial.q.size() > 0) {
    worst[0] = (now.q - initial.q).cwiseAbs().maxCoeff();
    worst[1] = (now.s - initial.s).cwiseAbs().maxCoeff();
    worst[2] = (now.c - initial.c).cwiseAbs().maxCoeff();
  }
  reducer.sum(scale, 3);
  reducer.max(worst, 3);
  auto rel = [&](int i) {
    const double mean = scale[i] / static_cast<double>(width);
    return mean > 0.0 ? worst[i] / mean : 0.0;
  };
  return Drift{rel(0), rel(1), rel(2)};
}

}  // namespace symsweep::core
