// Kernels of the monomial potentials of abelian groups (docs/potentials.md), compiled once per
// instruction-set level: see kernels.hpp.
#include <algorithm>
#include <cmath>

#include "kernels/kernels.hpp"

namespace symsweep::core::SYMSWEEP_ISA_NS {

FourierCoords fourier_coords(const Eigen::Ref<const Eigen::MatrixXd>& z, const DualGroup& dual) {
  const int n = dual.order();
  const Eigen::MatrixXcd conj_x = dual.characters().conjugate() / static_cast<double>(n);
  const Eigen::MatrixXcd x = dual.characters() / static_cast<double>(n);
  FourierCoords f;
  f.a = z.leftCols(n) * conj_x;
  f.b = z.middleCols(n, n) * conj_x;
  f.c = z.rightCols(n) * x;
  f.sq_a = z.leftCols(n).array().square().matrix() * conj_x;
  f.sq_b = z.middleCols(n, n).array().square().matrix() * conj_x;
  return f;
}

namespace {

void reduce_sum(Reducer& reducer, Eigen::MatrixXcd& m) {
  reducer.sum(reinterpret_cast<double*>(m.data()), 2 * static_cast<std::size_t>(m.size()));
}

}  // namespace

MpSummary monomial_potentials(const FourierCoords& f, std::int64_t q, const DualGroup& dual,
                              Reducer& reducer) {
  const int n = dual.order();
  const double inv_q = 1.0 / static_cast<double>(q);

  // S_p(m, k) = sum_k' rho_{p, k', m-k', k} = (1/q) sum_j (p o p)_{j,m} z_{c,k,j}; both p in
  // one reduction.
  Eigen::MatrixXcd s(n, 2 * n);
  s.leftCols(n).noalias() = f.sq_a.transpose() * f.c;
  s.rightCols(n).noalias() = f.sq_b.transpose() * f.c;
  reduce_sum(reducer, s);
  s *= inv_q;

  MpSummary out;
  out.rho_kkk.assign(n - 1, 0.0);
  out.l = Eigen::VectorXd::Zero(n);
  // The weights are real, so every Fourier coordinate at -k is the conjugate of the one at k,
  // and T_{-k}(k1, k2) = conj T_k(-k1, -k2): rho_kkk at -k is the conjugate of rho_kkk at k,
  // and the off-target maximum, the sum of squares and l_k are the same at k and -k. Only one
  // k of each pair {k, -k} is computed.
  std::vector<int> reps;
  for (int k = 1; k < n; ++k) {
    if (k <= dual.neg(k)) reps.push_back(k);
  }
  // Several k in one product and one reduction: T = a^T [diag(c_k) b ...], n x (n K), with K
  // such that the q_local x n K block stays near 16 MiB. The complex product is one real one:
  // with a = ar + i ai and M = mr + i mi, [ar | ai]^T [mr | mi] holds ar^T mr, ar^T mi, ai^T mr
  // and ai^T mi, of which T's real part is ar^T mr - ai^T mi and its imaginary part
  // ar^T mi + ai^T mr (the real kernels run faster than the complex ones).
  const auto rows = f.a.rows();
  const std::size_t per_k = static_cast<std::size_t>(std::max<Eigen::Index>(rows, 1)) * n;
  const std::size_t block =
      std::clamp<std::size_t>((std::size_t{1} << 20) / std::max<std::size_t>(per_k, 1), 1,
                              reps.size());
  const auto width = n * static_cast<Eigen::Index>(block);
  Eigen::MatrixXd lhs(rows, 2 * n);
  lhs.leftCols(n) = f.a.real();
  lhs.rightCols(n) = f.a.imag();
  const Eigen::MatrixXd br = f.b.real(), bi = f.b.imag();
  Eigen::MatrixXd rhs(rows, 2 * width);  // [mr of each k | mi of each k]
  Eigen::MatrixXd prod(2 * n, 2 * width);
  Eigen::MatrixXcd t(n, width);
  for (std::size_t first = 0; first < reps.size(); first += block) {
    const auto count = static_cast<Eigen::Index>(std::min(block, reps.size() - first));
    for (Eigen::Index i = 0; i < count; ++i) {
      const Eigen::VectorXd cr = f.c.col(reps[first + i]).real();
      const Eigen::VectorXd ci = f.c.col(reps[first + i]).imag();
      rhs.middleCols(i * n, n).noalias() = cr.asDiagonal() * br;
      rhs.middleCols(i * n, n).noalias() -= ci.asDiagonal() * bi;
      rhs.middleCols(width + i * n, n).noalias() = cr.asDiagonal() * bi;
      rhs.middleCols(width + i * n, n).noalias() += ci.asDiagonal() * br;
    }
    const auto used = count * n;
    auto pr = prod.leftCols(used);
    auto pi = prod.middleCols(width, used);
    pr.noalias() = lhs.transpose() * rhs.leftCols(used);
    pi.noalias() = lhs.transpose() * rhs.middleCols(width, used);
    // T_k(k1, k2) = rho_{k1 k2 k} = (1/q) sum_j z_{a,k1,j} z_{b,k2,j} z_{c,k,j}
    auto tk = t.leftCols(used);
    tk.real() = pr.topRows(n) - pi.bottomRows(n);
    tk.imag() = pi.topRows(n) + pr.bottomRows(n);
    reducer.sum(reinterpret_cast<double*>(tk.data()), 2 * static_cast<std::size_t>(tk.size()));
    tk *= inv_q;
    for (Eigen::Index i = 0; i < count; ++i) {
      const int k = reps[first + i];
      auto tkk = tk.middleCols(i * n, n);
      const std::complex<double> rkkk = tkk(k, k);
      out.rho_kkk[k - 1] = rkkk;
      out.rho_kkk[dual.neg(k) - 1] = std::conj(rkkk);
      const double on_target = std::abs(rkkk - 1.0);
      tkk(k, k) = 0.0;
      const double off = std::sqrt(tkk.cwiseAbs2().maxCoeff());  // no hypot per entry
      const double sum_sq = tkk.squaredNorm() + std::norm(rkkk);
      out.max_offtarget = std::max(out.max_offtarget, off);
      out.binary_gap = std::max({out.binary_gap, off, on_target});

      double l = -2.0 * rkkk.real() + sum_sq + 0.25 * std::norm(s(0, k) + s(0, n + k));
      for (int mm = 1; mm < n; ++mm) l += 0.25 * (std::norm(s(mm, k)) + std::norm(s(mm, n + k)));
      out.l[k] = l;
      out.l[dual.neg(k)] = l;
    }
  }
  out.full_loss_sum_from_mps = n * out.l.sum() + static_cast<double>(n) * (n - 1);
  return out;
}

std::vector<std::complex<double>> rho_kkk(const FourierCoords& f, std::int64_t q,
                                          const DualGroup& dual, Reducer& reducer) {
  const int n = dual.order();
  // rho_kkk = (1/q) sum_j z_{a,k,j} z_{b,k,j} z_{c,k,j}, every k (k = 0 included, then dropped).
  Eigen::VectorXcd sums = (f.a.array() * f.b.array() * f.c.array()).colwise().sum().transpose();
  reducer.sum(reinterpret_cast<double*>(sums.data()), 2 * static_cast<std::size_t>(n));
  std::vector<std::complex<double>> out(n - 1);
  for (int k = 1; k < n; ++k) out[k - 1] = sums[k] / static_cast<double>(q);
  return out;
}

}  // namespace symsweep::core::SYMSWEEP_ISA_NS
