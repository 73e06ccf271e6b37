#include "symsweep/core/diagnostics.hpp"

#include <algorithm>
#include <vector>

namespace symsweep::core {

double effective_dimension(const Eigen::Ref<const Eigen::MatrixXd>& z, Reducer& reducer) {
  Eigen::MatrixXd m(z.cols(), z.cols());
  m.setZero();
  m.selfadjointView<Eigen::Lower>().rankUpdate(z.transpose());
  m.triangularView<Eigen::StrictlyUpper>() = m.transpose();
  reducer.sum(m.data(), static_cast<std::size_t>(m.size()));
  // The 1/q normalisation cancels in the ratio.
  const double frob2 = m.squaredNorm();
  return frob2 > 0.0 ? m.trace() * m.trace() / frob2 : 0.0;
}

double frequencies_per_neuron(const FourierCoords& f, std::int64_t q, Reducer& reducer) {
  const Eigen::MatrixXd energy =
      f.a.cwiseAbs2() + f.b.cwiseAbs2() + f.c.cwiseAbs2();  // local_count x n
  double total = 0.0;
  std::vector<double> e(static_cast<std::size_t>(energy.cols()));
  for (Eigen::Index j = 0; j < energy.rows(); ++j) {
    Eigen::VectorXd::Map(e.data(), energy.cols()) = energy.row(j).transpose();
    std::sort(e.begin(), e.end(), std::greater<>());
    const double all = energy.row(j).sum();
    double acc = 0.0;
    int count = 0;
    for (double v : e) {
      if (acc >= 0.9 * all) break;
      acc += v;
      ++count;
    }
    total += count;
  }
  reducer.sum(&total, 1);
  return total / static_cast<double>(q);
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
