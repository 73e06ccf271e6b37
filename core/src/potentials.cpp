#include "symsweep/core/potentials.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "kernels/kernels.hpp"
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
  if (!g.is_abelian()) {
    throw InputError("group \"" + g.spec() +
                     "\": monomial potentials with characters need an abelian group");
  }
  const AbelianBasis basis = abelian_basis(g);
  const auto& f = basis.factors;
  chi_.resize(n_, n_);
  add_.resize(static_cast<std::size_t>(n_) * n_);
  neg_.resize(n_);
  // dig[k]: frequency k's digits (the dual's index set is the mixed radix over f); element a's
  // digits are those of its coordinates basis.index[a].
  std::vector<std::vector<int>> dig(n_);
  for (int x = 0; x < n_; ++x) dig[x] = digits(x, f);
  for (int a = 0; a < n_; ++a) {
    const std::vector<int>& da = dig[basis.index[a]];
    for (int k = 0; k < n_; ++k) {
      // Phase as an exact rational sum of k_i a_i / n_i reduced per factor, so large products
      // keep full precision.
      double phase = 0.0;
      for (std::size_t i = 0; i < f.size(); ++i) {
        phase += static_cast<double>((da[i] * dig[k][i]) % f[i]) / f[i];
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
  return kernels().fourier_coords(z, dual);
}

MpSummary monomial_potentials(const FourierCoords& f, std::int64_t q, const DualGroup& dual,
                              Reducer& reducer) {
  return kernels().monomial_potentials(f, q, dual, reducer);
}

std::vector<std::complex<double>> rho_kkk(const FourierCoords& f, std::int64_t q,
                                          const DualGroup& dual, Reducer& reducer) {
  return kernels().rho_kkk(f, q, dual, reducer);
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
