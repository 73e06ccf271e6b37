// Kernels of the logged diagnostics (docs/model.md), compiled once per instruction-set
// level: see kernels.hpp.
#include <algorithm>
#include <functional>
#include <vector>

#include "kernels/kernels.hpp"

namespace symsweep::core::SYMSWEEP_ISA_NS {

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

}  // namespace symsweep::core::SYMSWEEP_ISA_NS
