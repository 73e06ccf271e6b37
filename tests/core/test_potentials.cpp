#include <algorithm>
#include <gtest/gtest.h>

#include "symsweep/core/model.hpp"
#include "symsweep/core/potentials.hpp"
#include "tests/core/test_util.hpp"

namespace symsweep::core {
namespace {

class LossIdentity : public ::testing::TestWithParam<const char*> {};

// docs/potentials.md: sum over all n^2 pairs of the loss = n sum_{k != 0} l_k + n(n-1) for weights
// with zero mean over the group axis. The left side comes from the network's forward pass,
// the right side from the monomial potentials alone.
TEST_P(LossIdentity, HoldsAtRandomZeroMeanParticles) {
  const Group g = make_group(GetParam());
  const int n = g.order();
  const DualGroup dual(g);
  LocalReducer local;
  for (std::uint64_t seed : {1, 2}) {
    Eigen::MatrixXd z = test::random_particles(17, n, seed);
    test::center_blocks(z);
    const auto p = particles_from_stacked<double>(z, ShardRange{0, 17});
    const double direct = evaluate(p, all_pairs(g), local).loss_sum;
    const MpSummary mp = monomial_potentials(fourier_coords(z, dual), 17, dual, local);
    EXPECT_NEAR(mp.full_loss_sum_from_mps, direct, 1e-10 * direct) << GetParam();
    EXPECT_EQ(mp.rho_kkk.size(), static_cast<std::size_t>(n - 1));
  }
}

INSTANTIATE_TEST_SUITE_P(AbelianGroups, LossIdentity,
                         ::testing::Values("cyclic:6", "cyclic:7", "cyclic:11", "cyclic:12",
                                           "product:3x3", "product:2x4", "product:2x2x3"),
                         [](const auto& info) { return test::param_name(info.param); });

TEST(LossIdentity, FailsWithoutZeroMean) {
  // The identity needs zero-mean weights: it is a property of the data, not a tautology.
  const Group g = make_group("cyclic:7");
  const DualGroup dual(g);
  LocalReducer local;
  const Eigen::MatrixXd z = test::random_particles(17, 7, 1).array() + 0.5;
  const double direct =
      evaluate(particles_from_stacked<double>(z, ShardRange{0, 17}), all_pairs(g), local).loss_sum;
  const MpSummary mp = monomial_potentials(fourier_coords(z, dual), 17, dual, local);
  EXPECT_GT(std::abs(mp.full_loss_sum_from_mps - direct), 1e-3 * direct);
}

TEST(DualGroup, CharactersAreHomomorphismsAndOrthogonal) {
  for (const char* spec : {"cyclic:9", "product:2x2x3", "product:4x6"}) {
    const Group g = make_group(spec);
    const DualGroup dual(g);
    const int n = g.order();
    const Eigen::MatrixXcd& x = dual.characters();
    for (int a = 0; a < n; ++a) {
      for (int b = 0; b < n; ++b) {
        for (int k = 0; k < n; ++k) {
          ASSERT_LT(std::abs(x(g.mul(a, b), k) - x(a, k) * x(b, k)), 1e-12) << spec;
          // Dual group arithmetic: chi_{k1 + k2} = chi_k1 chi_k2, chi_{-k} = conj chi_k.
          ASSERT_LT(std::abs(x(a, dual.add(b, k)) - x(a, b) * x(a, k)), 1e-12) << spec;
        }
        ASSERT_LT(std::abs(x(a, dual.neg(b)) - std::conj(x(a, b))), 1e-12) << spec;
      }
    }
    const Eigen::MatrixXcd gram = x.adjoint() * x / static_cast<double>(n);
    EXPECT_LT((gram - Eigen::MatrixXcd::Identity(n, n)).norm(), 1e-12) << spec;
  }
}

TEST(MonomialPotentials, FastSquareTermsEqualTheConvolutionOfFourierCoordinates) {
  const Group g = make_group("product:2x6");
  const DualGroup dual(g);
  const Eigen::MatrixXd z = test::random_particles(5, g.order(), 4);
  const FourierCoords f = fourier_coords(z, dual);
  const Eigen::MatrixXcd fast = f.sq_b.transpose() * f.c / 5.0;
  const Eigen::MatrixXcd slow = s_terms_by_convolution(f.b, f.c, 5, dual);
  EXPECT_LT((fast - slow).norm(), 1e-12 * slow.norm());
}

TEST(MonomialPotentials, RhoKkkIsTheParticleAverage) {
  const Group g = make_group("cyclic:5");
  const DualGroup dual(g);
  const Eigen::MatrixXd z = test::random_particles(4, 5, 8);
  LocalReducer local;
  const FourierCoords f = fourier_coords(z, dual);
  const MpSummary mp = monomial_potentials(f, 4, dual, local);
  for (int k = 1; k < 5; ++k) {
    std::complex<double> expected = 0.0;
    for (int j = 0; j < 4; ++j) {
      // z_{a,k} = (1/n) sum_a w_a[a] conj chi_k(a), computed here from the definition.
      std::complex<double> za = 0.0, zb = 0.0, zc = 0.0;
      for (int a = 0; a < 5; ++a) {
        const std::complex<double> chi = std::polar(1.0, 2.0 * M_PI * k * a / 5.0);
        za += z(j, a) * std::conj(chi) / 5.0;
        zb += z(j, 5 + a) * std::conj(chi) / 5.0;
        zc += z(j, 10 + a) * chi / 5.0;
      }
      expected += za * zb * zc / 4.0;
    }
    EXPECT_LT(std::abs(mp.rho_kkk[k - 1] - expected), 1e-14);
  }
}

/// Every rho_{k1 k2 k} from its definition, and the summary MpSummary reports of them.
struct BruteForce {
  std::vector<std::complex<double>> rho_kkk;
  double max_offtarget = 0.0, binary_gap = 0.0;
};
BruteForce brute_force(const FourierCoords& f, std::int64_t q, int n) {
  BruteForce b;
  for (int k = 1; k < n; ++k) {
    for (int k1 = 0; k1 < n; ++k1) {
      for (int k2 = 0; k2 < n; ++k2) {
        std::complex<double> rho = 0.0;
        for (Eigen::Index j = 0; j < f.a.rows(); ++j) rho += f.a(j, k1) * f.b(j, k2) * f.c(j, k);
        rho /= static_cast<double>(q);
        if (k1 == k && k2 == k) {
          b.rho_kkk.push_back(rho);
          b.binary_gap = std::max(b.binary_gap, std::abs(rho - 1.0));
        } else {
          b.max_offtarget = std::max(b.max_offtarget, std::abs(rho));
          b.binary_gap = std::max(b.binary_gap, std::abs(rho));
        }
      }
    }
  }
  return b;
}

// The fast path computes one k of each pair {k, -k} (the others are conjugates), several k per
// product (one per product when the particles are many), and the complex product as a real
// one: every reported value must equal the definition, for groups whose dual has
// self-conjugate frequencies (even orders, products) and for one whose has none.
TEST(MonomialPotentials, EqualTheirDefinitionOneKPerConjugatePair) {
  for (const char* spec : {"cyclic:7", "cyclic:12", "product:2x6", "product:3x3"}) {
    const Group g = make_group(spec);
    const DualGroup dual(g);
    const int n = g.order();
    for (std::int64_t q : {std::int64_t{9}, std::int64_t{(1 << 20) / 12 + 7}}) {
      if (q > 1000 && n != 12) continue;  // the many-particle case: one k per product
      const Eigen::MatrixXd z = test::random_particles(q, n, 5) * 0.7;
      const FourierCoords f = fourier_coords(z, dual);
      LocalReducer local;
      const MpSummary mp = monomial_potentials(f, q, dual, local);
      const BruteForce b = brute_force(f, q, n);
      ASSERT_EQ(mp.rho_kkk.size(), b.rho_kkk.size()) << spec;
      for (std::size_t k = 0; k < b.rho_kkk.size(); ++k) {
        EXPECT_LT(std::abs(mp.rho_kkk[k] - b.rho_kkk[k]), 1e-12 * (1.0 + std::abs(b.rho_kkk[k])))
            << spec << " q " << q << " k " << k + 1;
      }
      EXPECT_NEAR(mp.max_offtarget, b.max_offtarget, 1e-12 * b.max_offtarget) << spec;
      EXPECT_NEAR(mp.binary_gap, b.binary_gap, 1e-12 * b.binary_gap) << spec;
      // rho_kkk alone (the O(nq) measurement) is the same vector.
      const std::vector<std::complex<double>> diag = rho_kkk(f, q, dual, local);
      ASSERT_EQ(diag.size(), b.rho_kkk.size());
      for (std::size_t k = 0; k < diag.size(); ++k) {
        EXPECT_LT(std::abs(diag[k] - b.rho_kkk[k]), 1e-12 * (1.0 + std::abs(b.rho_kkk[k])));
      }
    }
  }
}

}  // namespace
}  // namespace symsweep::core
