#include "symsweep/core/circuits.hpp"

#include <cmath>
#include <numbers>

#include "symsweep/core/error.hpp"
#include "symsweep/core/potentials.hpp"
#include "random.hpp"

namespace symsweep::core {

namespace {

/// theta(a, k) = arg chi_k(a).
Eigen::MatrixXd phases(const DualGroup& dual) { return dual.characters().array().arg().matrix(); }

}  // namespace

Eigen::MatrixXd cosine_circuit(const Group& g, int per_frequency, std::uint64_t seed) {
  const DualGroup dual(g);
  const int n = g.order();
  const Eigen::MatrixXd theta = phases(dual);
  Eigen::MatrixXd z(static_cast<Eigen::Index>(n - 1) * per_frequency, 3 * n);
  Rng rng(seed, 0xC051);
  Eigen::Index row = 0;
  for (int k = 1; k < n; ++k) {
    for (int r = 0; r < per_frequency; ++r, ++row) {
      const double phi1 = 2.0 * std::numbers::pi * rng.uniform();
      const double phi2 = 2.0 * std::numbers::pi * rng.uniform();
      for (int a = 0; a < n; ++a) {
        z(row, a) = std::cos(theta(a, k) + phi1);
        z(row, n + a) = std::cos(theta(a, k) + phi2);
        z(row, 2 * n + a) = std::cos(-theta(a, k) - phi1 - phi2);
      }
    }
  }
  return z;
}

Eigen::MatrixXd exact_grid_solution(const Group& g) {
  const DualGroup dual(g);
  const int n = g.order();
  if (n % 2 == 0) {
    throw InputError("group \"" + g.spec() +
                     "\": the 3 x 3 grid solution needs odd order; use the character solution");
  }
  const Eigen::MatrixXd theta = phases(dual);
  const int pairs = (n - 1) / 2;
  // Each pair's nine particles carry weight 1/9; absorbing it into a mean-field network of
  // Q = 9 * pairs particles scales every particle by (Q / 9)^(1/3).
  const double scale = 2.0 * std::cbrt(static_cast<double>(pairs));
  Eigen::MatrixXd z(9 * pairs, 3 * n);
  Eigen::Index row = 0;
  for (int k = 1; k < n; ++k) {
    if (dual.neg(k) < k) continue;  // one representative of {k, -k}
    for (int i1 = 0; i1 < 3; ++i1) {
      for (int i2 = 0; i2 < 3; ++i2, ++row) {
        const double p1 = 2.0 * std::numbers::pi * i1 / 3.0;
        const double p2 = 2.0 * std::numbers::pi * i2 / 3.0;
        // Fourier coefficients (e^{i p1}, e^{i p2}, e^{-i(p1+p2)}) on k, conjugates on -k.
        for (int a = 0; a < n; ++a) {
          z(row, a) = scale * std::cos(theta(a, k) + p1);
          z(row, n + a) = scale * std::cos(theta(a, k) + p2);
          z(row, 2 * n + a) = scale * std::cos(theta(a, k) + p1 + p2);
        }
      }
    }
  }
  return z;
}

Eigen::MatrixXd exact_character_solution(const Group& g) {
  const DualGroup dual(g);
  const int n = g.order();
  const Eigen::MatrixXd theta = phases(dual);
  const Eigen::Index q = 16 * static_cast<Eigen::Index>(n - 1);
  const double big_k = std::cbrt(static_cast<double>(q) / 4.0);
  Eigen::MatrixXd z(q, 3 * n);
  // cos(x + y - w) = cx cy cw - sx sy cw + sx cy sw + cx sy sw: (eps, f_a, f_b, f_c) with
  // 0 = cos, 1 = sin.
  constexpr int kTerms[4][4] = {{1, 0, 0, 0}, {-1, 1, 1, 0}, {1, 1, 0, 1}, {1, 0, 1, 1}};
  auto f = [](int which, double t) { return which == 0 ? std::cos(t) : std::sin(t); };
  Eigen::Index row = 0;
  for (int k = 1; k < n; ++k) {
    for (const auto& term : kTerms) {
      for (int s1 : {1, -1}) {
        for (int s2 : {1, -1}) {
          for (int a = 0; a < n; ++a) {
            z(row, a) = s1 * big_k * f(term[1], theta(a, k));
            z(row, n + a) = s2 * big_k * f(term[2], theta(a, k));
            z(row, 2 * n + a) = term[0] * s1 * s2 * big_k * f(term[3], theta(a, k));
          }
          ++row;
        }
      }
    }
  }
  return z;
}

}  // namespace symsweep::core
