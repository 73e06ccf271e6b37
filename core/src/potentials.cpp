#include "symsweep/core/potentials.hpp"

#include <cmath>
#include <numbers>

#include "symsweep/core/error.hpp"

namespace symsweep::core {

namespace {

/// Mixed-radix digits of index x for the factors (last factor fastest).
std::vector<int> digits(int x, const std::vector<int>& factors) {
  std::vector<int> d(factors.size());
  for (std::size_t i = factors.size(); i-- > 0;) {
    d[i] = x % factors[i];
    x /= factors[i];
  }
  return d;
}

int from_digits(const std::vector<int>& d, const std::vector<int>& factors) {
  int x = 0;
  for (std::size_t i = 0; i < factors.size(); ++i) x = x * factors[i] + d[i];
  return x;
}

}  // namespace

DualGroup::DualGroup(const Group& g) : n_(g.order()) {
  const auto& f = g.cyclic_factors();
  if (f.empty()) {
    throw InputError("group \"" + g.spec() +
                     "\": monomial potentials with characters need a product of cyclic groups");
  }
  chi_.resize(n_, n_);
  add_.resize(static_cast<std::size_t>(n_) * n_);
  neg_.resize(n_);
  std::vector<std::vector<int>> dig(n_);
  for (int x = 0; x < n_; ++x) dig[x] = digits(x, f);
  for (int a = 0; a < n_; ++a) {
    for (int k = 0; k < n_; ++k) {
      // Phase as an exact rational sum of k_i a_i / n_i reduced per factor, so large products
      // keep full precision.
      double phase = 0.0;
      for (std::size_t i = 0; i < f.size(); ++i) {
        phase += static_cast<double>((dig[a][i] * dig[k][i]) % f[i]) / f[i];
      }
      phase -= std::floor(phase);
      chi_(a, k) = std::polar(1.0, 2.0 * std::numbers::pi * phase);
    }
  }
  std::vector<int> d(f.size());
  for (int k1 = 0; k1 < n_; ++k1) {
    for (int k2 = 0; k2 < n_; ++k2) {
      for (std::size_t i = 0; i < f.size(); ++i) d[i] = (dig[k1][i] + dig[k2][i]) % f[i];
      add_[static_cast<std::size_t>(k1) * n_ + k2] = from_digits(d, f);
    }
    for (std::size_t i = 0; i < f.size(); ++i) d[i] = (f[i] - dig[k1][i]) % f[i];
    neg_[k1] = from_digits(d, f);
  }
}

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
  out.rho_kkk.reserve(n - 1);
  out.l = Eigen::VectorXd::Zero(n);
  Eigen::MatrixXcd t(n, n);
  for (int k = 1; k < n; ++k) {
    // T_k(k1, k2) = rho_{k1 k2 k} = (1/q) sum_j z_{a,k1,j} z_{b,k2,j} z_{c,k,j}
    t.noalias() = f.a.transpose() * (f.c.col(k).asDiagonal() * f.b);
    reduce_sum(reducer, t);
    t *= inv_q;
    const std::complex<double> rkkk = t(k, k);
    out.rho_kkk.push_back(rkkk);
    const double on_target = std::abs(rkkk - 1.0);
    t(k, k) = 0.0;
    const double off = t.cwiseAbs().maxCoeff();
    const double sum_sq = t.squaredNorm() + std::norm(rkkk);
    out.max_offtarget = std::max(out.max_offtarget, off);
    out.binary_gap = std::max({out.binary_gap, off, on_target});

    double l = -2.0 * rkkk.real() + sum_sq + 0.25 * std::norm(s(0, k) + s(0, n + k));
    for (int m = 1; m < n; ++m) l += 0.25 * (std::norm(s(m, k)) + std::norm(s(m, n + k)));
    out.l[k] = l;
  }
  out.full_loss_sum_from_mps = n * out.l.sum() + static_cast<double>(n) * (n - 1);
  return out;
}

Eigen::MatrixXcd s_terms_by_convolution(const Eigen::MatrixXcd& zp, const Eigen::MatrixXcd& zc,
                                        std::int64_t q, const DualGroup& dual) {
  const int n = dual.order();
  Eigen::MatrixXcd s = Eigen::MatrixXcd::Zero(n, n);
  for (Eigen::Index j = 0; j < zp.rows(); ++j) {
    for (int m = 0; m < n; ++m) {
      std::complex<double> conv = 0.0;
      for (int k1 = 0; k1 < n; ++k1) conv += zp(j, k1) * zp(j, dual.add(m, dual.neg(k1)));
      for (int k = 0; k < n; ++k) s(m, k) += conv * zc(j, k);
    }
  }
  return s / static_cast<double>(q);
}

}  // namespace symsweep::core
