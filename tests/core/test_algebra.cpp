// docs/measure-algebra.md: semiring axioms, the MP homomorphism (and a control that breaks it),
// absorption, the 0/1-set table, the grid as a product of two three-particle sets, refusals.

#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <numbers>
#include <string>
#include <utility>
#include <vector>

#include "symsweep/core/algebra.hpp"
#include "symsweep/core/circuits.hpp"
#include "symsweep/core/data.hpp"
#include "symsweep/core/error.hpp"
#include "symsweep/core/model.hpp"
#include "symsweep/core/potentials.hpp"
#include "tests/core/test_util.hpp"

namespace symsweep::core {
namespace {

using cd = std::complex<double>;
constexpr const char* kGroups[] = {"cyclic:5", "cyclic:7", "product:3x3"};

/// A group, its dual and its order.
struct Setup {
  Group g;
  DualGroup dual;
  int n;
};
Setup setup(const char* spec) {
  Group g = make_group(spec);
  DualGroup dual(g);
  return {g, dual, g.order()};
}

/// q standard normal particles with positive weights in [0.25, 1.25).
Measure random_measure(int q, int n, std::uint64_t seed) {
  Rng rng(seed, 0xA16E);
  Measure mu{test::random_particles(q, n, seed), Eigen::VectorXd(q)};
  for (int j = 0; j < q; ++j) mu.m[j] = 0.25 + rng.uniform();
  return mu;
}

/// max |got - want| / max |want| (absolute where want is 0), as relative_deviation does.
double rel(const Eigen::MatrixXd& got, const Eigen::MatrixXd& want) {
  if (got.rows() != want.rows() || got.cols() != want.cols()) return INFINITY;
  const double scale = want.cwiseAbs().maxCoeff();
  return (got - want).cwiseAbs().maxCoeff() / (scale > 0.0 ? scale : 1.0);
}

/// The two measures are the same multiset of (weight, particle) rows: every row of `got` is
/// matched to its nearest unmatched row of `want` (entries compared relative to max(1, |x|)).
void expect_same_rows(const Measure& got, const Measure& want, double tol = 1e-12) {
  ASSERT_EQ(got.size(), want.size());
  ASSERT_TRUE(got.z.cols() == want.z.cols() && got.m.size() == got.size() &&
              want.m.size() == want.size());
  auto row_of = [](const Measure& mu, Eigen::Index j) {
    Eigen::VectorXd r(mu.z.cols() + 1);
    r << mu.m[j], mu.z.row(j).transpose();
    return r;
  };
  std::vector<bool> used(static_cast<std::size_t>(want.size()), false);
  double worst = 0.0;
  for (Eigen::Index i = 0; i < got.size(); ++i) {
    const Eigen::VectorXd r = row_of(got, i);
    double best = INFINITY;
    Eigen::Index best_j = -1;
    for (Eigen::Index j = 0; j < want.size(); ++j) {
      if (used[j]) continue;
      const Eigen::VectorXd w = row_of(want, j);
      const double d = ((r - w).array().abs() / w.array().abs().max(1.0)).maxCoeff();
      if (d < best) best = d, best_j = j;
    }
    used[best_j] = true;
    worst = std::max(worst, best);
  }
  EXPECT_LT(worst, tol);
}

/// Same outputs and degree-3 MPs (relative deviation below tol).
void expect_same_observables(const Measure& got, const Measure& want, const DualGroup& dual,
                             double tol = 1e-12) {
  EXPECT_LT(rel(measure_outputs(got), measure_outputs(want)), tol);
  EXPECT_LT(relative_deviation(degree3_potentials(got, dual), degree3_potentials(want, dual)), tol);
}

/// The outputs and MPs straight from their definitions (docs/measure-algebra.md).
Eigen::MatrixXd naive_outputs(const Measure& mu) {
  const int n = mu.n();
  Eigen::MatrixXd o = Eigen::MatrixXd::Zero(n, n * n);
  for (Eigen::Index j = 0; j < mu.size(); ++j)
    for (int a1 = 0; a1 < n; ++a1)
      for (int a2 = 0; a2 < n; ++a2) {
        const double s = mu.z(j, a1) + mu.z(j, n + a2);
        for (int c = 0; c < n; ++c) o(c, a1 * n + a2) += mu.m[j] * mu.z(j, 2 * n + c) * s * s;
      }
  return o;
}

Degree3Potentials naive_potentials(const Measure& mu, const DualGroup& dual) {
  const int n = dual.order();
  const FourierCoords f = fourier_coords(mu.z, dual);
  const std::size_t size = static_cast<std::size_t>(n) * n * n;
  Degree3Potentials d{std::vector<cd>(size), std::vector<cd>(size), std::vector<cd>(size)};
  for (Eigen::Index j = 0; j < mu.size(); ++j)
    for (int k1 = 0; k1 < n; ++k1)
      for (int k2 = 0; k2 < n; ++k2)
        for (int k = 0; k < n; ++k) {
          const std::size_t e = (static_cast<std::size_t>(k1) * n + k2) * n + k;
          d.abc[e] += mu.m[j] * f.a(j, k1) * f.b(j, k2) * f.c(j, k);
          d.aac[e] += mu.m[j] * f.a(j, k1) * f.a(j, k2) * f.c(j, k);
          d.bbc[e] += mu.m[j] * f.b(j, k1) * f.b(j, k2) * f.c(j, k);
        }
  return d;
}

/// A real particle whose Fourier coordinates are (alpha, beta, gamma) on frequency k, their
/// conjugates on -k and 0 elsewhere (2k != 0): w_a = 2 Re(alpha chi_k), w_c = 2 Re(gamma conj
/// chi_k).
Eigen::RowVectorXd particle_from_coords(const DualGroup& dual, int k, cd alpha, cd beta, cd gamma) {
  const int n = dual.order();
  Eigen::RowVectorXd z(3 * n);
  for (int x = 0; x < n; ++x) {
    const cd chi = dual.characters()(x, k);
    z[x] = 2.0 * (alpha * chi).real();
    z[n + x] = 2.0 * (beta * chi).real();
    z[2 * n + x] = 2.0 * (gamma * std::conj(chi)).real();
  }
  return z;
}

/// The particles `rows`, every one of weight m.
Measure from_rows(const std::vector<Eigen::RowVectorXd>& rows, double m, int n) {
  Measure mu{Eigen::MatrixXd(static_cast<Eigen::Index>(rows.size()), 3 * n),
             Eigen::VectorXd(static_cast<Eigen::Index>(rows.size()))};
  for (std::size_t j = 0; j < rows.size(); ++j) mu.z.row(j) = rows[j], mu.m[j] = m;
  return mu;
}

/// One representative of each pair {k, -k}, k != 0 (the smaller index), as circuits.cpp uses.
std::vector<int> pair_representatives(const DualGroup& dual) {
  std::vector<int> reps;
  for (int k = 1; k < dual.order(); ++k)
    if (dual.neg(k) >= k) reps.push_back(k);
  return reps;
}

cd cis(double p) { return std::polar(1.0, p); }
double phase(int i) { return 2.0 * std::numbers::pi * i / 3.0; }

/// The 3 x 3 grid on the pairs `reps`: nine particles of weight 1/9 per pair, coordinates
/// (e^{ip1}, e^{ip2}, e^{-i(p1+p2)}) on k (docs/potentials.md).
Measure partial_grid(const DualGroup& dual, const std::vector<int>& reps) {
  std::vector<Eigen::RowVectorXd> rows;
  for (int k : reps)
    for (int i1 = 0; i1 < 3; ++i1)
      for (int i2 = 0; i2 < 3; ++i2)
        rows.push_back(particle_from_coords(dual, k, cis(phase(i1)), cis(phase(i2)),
                                            cis(-phase(i1) - phase(i2))));
  return from_rows(rows, 1.0 / 9.0, dual.order());
}

/// The particles of exact_character_solution(g) on the pairs `reps` (a row's pair is the
/// frequency carrying its Fourier energy), each with the full solution's weight 1/Q.
Measure partial_character(const Group& g, const DualGroup& dual, const std::vector<int>& reps) {
  const Eigen::MatrixXd full = exact_character_solution(g);
  const FourierCoords f = fourier_coords(full, dual);
  std::vector<Eigen::RowVectorXd> rows;
  for (Eigen::Index j = 0; j < full.rows(); ++j) {
    Eigen::Index k = 0;
    (f.a.row(j).cwiseAbs2() + f.b.row(j).cwiseAbs2() + f.c.row(j).cwiseAbs2()).maxCoeff(&k);
    const int rep = std::min(static_cast<int>(k), dual.neg(static_cast<int>(k)));
    if (std::find(reps.begin(), reps.end(), rep) != reps.end()) rows.push_back(full.row(j));
  }
  return from_rows(rows, 1.0 / static_cast<double>(full.rows()), g.order());
}

/// The 0-set and 1-set over all 3n^3 degree-3 MPs (abc, then aac, then bbc).
struct ZeroOne {
  std::vector<bool> zero, one;
};
ZeroOne zero_one_sets(const Degree3Potentials& d) {
  ZeroOne s;
  for (const auto* t : {&d.abc, &d.aac, &d.bbc})
    for (cd r : *t) {
      s.zero.push_back(std::abs(r) < 1e-9);
      s.one.push_back(std::abs(r - 1.0) < 1e-9);
    }
  return s;
}
std::vector<cd> all_entries(const Degree3Potentials& d) {
  std::vector<cd> v(d.abc);
  v.insert(v.end(), d.aac.begin(), d.aac.end());
  v.insert(v.end(), d.bbc.begin(), d.bbc.end());
  return v;
}

/// The symbolic solution: rho_kkk = 1 for k != 0, every other degree-3 MP 0.
double exact_pattern_deviation(const Degree3Potentials& d, int n) {
  double worst = 0.0;
  for (int k1 = 0; k1 < n; ++k1)
    for (int k2 = 0; k2 < n; ++k2)
      for (int k = 0; k < n; ++k) {
        const std::size_t e = (static_cast<std::size_t>(k1) * n + k2) * n + k;
        const double want = (k1 == k && k2 == k && k != 0) ? 1.0 : 0.0;
        worst =
            std::max({worst, std::abs(d.abc[e] - want), std::abs(d.aac[e]), std::abs(d.bbc[e])});
      }
  return worst;
}

Evaluation evaluate_all(const Eigen::MatrixXd& z, const Group& g) {
  LocalReducer local;
  return evaluate(particles_from_stacked<double>(z, ShardRange{0, z.rows()}), all_pairs(g), local);
}

TEST(Algebra, OutputsAndPotentialsMatchTheirDefinitions) {
  for (const char* spec : kGroups) {
    SCOPED_TRACE(spec);
    const auto [g, dual, n] = setup(spec);
    const Measure mu = random_measure(4, n, 11);
    const Eigen::MatrixXd o = measure_outputs(mu);
    ASSERT_EQ(o.rows(), n);
    ASSERT_EQ(o.cols(), n * n);
    EXPECT_LT(rel(o, naive_outputs(mu)), 1e-12);
    const Degree3Potentials d = degree3_potentials(mu, dual);
    const std::size_t n3 = static_cast<std::size_t>(n) * n * n;
    for (const auto* t : {&d.abc, &d.aac, &d.bbc}) ASSERT_EQ(t->size(), n3);
    EXPECT_LT(relative_deviation(d, naive_potentials(mu, dual)), 1e-12);

    // A plain network: weights 1/q, and rho_kkk agrees with monomial_potentials.
    const Eigen::MatrixXd x = test::random_particles(5, n, 3);
    const Measure net = network_measure(x, n);
    ASSERT_TRUE(net.n() == n && net.size() == 5);
    EXPECT_EQ((net.z - x).cwiseAbs().maxCoeff(), 0.0);
    for (int j = 0; j < 5; ++j) EXPECT_NEAR(net.m[j], 0.2, 1e-15);
    LocalReducer local;
    const MpSummary mp = monomial_potentials(fourier_coords(x, dual), 5, dual, local);
    const Degree3Potentials dn = degree3_potentials(net, dual);
    for (int k = 1; k < n; ++k) {
      const std::size_t e = (static_cast<std::size_t>(k) * n + k) * n + k;
      EXPECT_LT(std::abs(dn.abc[e] - mp.rho_kkk[k - 1]), 1e-12 * (1.0 + std::abs(dn.abc[e])));
    }
  }
}

TEST(Algebra, PotentialHelpersAndRelativeDeviation) {
  const Group g = make_group("cyclic:5");
  const DualGroup dual(g);
  const Degree3Potentials x = degree3_potentials(random_measure(3, 5, 1), dual);
  const Degree3Potentials y = degree3_potentials(random_measure(2, 5, 2), dual);
  const Degree3Potentials s = potentials_sum(x, y), p = potentials_product(x, y),
                          c = potentials_scale(x, -1.5);
  const std::vector<cd> ex = all_entries(x), ey = all_entries(y), es = all_entries(s),
                        ep = all_entries(p), ec = all_entries(c);
  ASSERT_TRUE(es.size() == ex.size() && ep.size() == ex.size() && ec.size() == ex.size());
  double worst = 0.0, scale = 0.0;
  for (std::size_t e = 0; e < ex.size(); ++e) {
    worst = std::max({worst, std::abs(es[e] - (ex[e] + ey[e])), std::abs(ep[e] - ex[e] * ey[e]),
                      std::abs(ec[e] + 1.5 * ex[e])});
    scale = std::max(scale, std::abs(ex[e]));
  }
  EXPECT_LT(worst, 1e-14 * (1.0 + scale * scale));

  EXPECT_EQ(relative_deviation(x, x), 0.0);
  Degree3Potentials shifted = x;
  shifted.aac[7] += 1e-3 * scale;
  EXPECT_NEAR(relative_deviation(shifted, x), 1e-3, 1e-12);
  const std::vector<cd> zeros(x.abc.size(), 0.0);
  Degree3Potentials zero{zeros, zeros, zeros}, got = zero;
  got.bbc[3] = cd(0.0, 0.25);
  EXPECT_NEAR(relative_deviation(got, zero), 0.25, 1e-15);  // absolute where want is all 0
}

TEST(Algebra, SumIsAssociativeAndCommutative) {
  for (const char* spec : kGroups) {
    SCOPED_TRACE(spec);
    const auto [g, dual, n] = setup(spec);
    const Measure a = random_measure(3, n, 1), b = random_measure(2, n, 2),
                  c = random_measure(4, n, 3);
    const Measure ab = measure_sum(a, b);
    ASSERT_EQ(ab.size(), 5);
    // Rows of a, then rows of b, weights kept.
    EXPECT_TRUE(ab.z.topRows(3) == a.z && ab.z.bottomRows(2) == b.z && ab.m.head(3) == a.m);
    EXPECT_LT(rel(measure_outputs(ab), measure_outputs(a) + measure_outputs(b)), 1e-12);
    const Measure left = measure_sum(ab, c), right = measure_sum(a, measure_sum(b, c));
    expect_same_rows(left, right);
    expect_same_observables(left, right, dual);
    expect_same_rows(measure_sum(b, a), ab);
    expect_same_observables(measure_sum(b, a), ab, dual);
    // The comparison can fail: a rescaled weight is caught.
    EXPECT_NONFATAL_FAILURE(expect_same_rows(measure_scale(ab, 1.001), ab), "");
  }
}

TEST(Algebra, ProductIsAssociativeAndCommutative) {
  for (const char* spec : kGroups) {
    SCOPED_TRACE(spec);
    const auto [g, dual, n] = setup(spec);
    const Measure a = random_measure(3, n, 4), b = random_measure(2, n, 5),
                  c = random_measure(3, n, 6);
    const Measure ab = measure_product(g, a, b);
    ASSERT_EQ(ab.size(), 6);
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 2; ++j) EXPECT_NEAR(ab.m[i * 2 + j], a.m[i] * b.m[j], 1e-15);
    const Measure left = measure_product(g, ab, c);
    const Measure right = measure_product(g, a, measure_product(g, b, c));
    expect_same_rows(left, right);
    expect_same_observables(left, right, dual);
    const Measure ba = measure_product(g, b, a);
    expect_same_rows(ba, ab);
    expect_same_observables(ba, ab, dual);
    Measure b2 = b;
    b2.z(0, 0) += 1e-6;  // the comparison can fail: a moved particle is caught
    EXPECT_NONFATAL_FAILURE(expect_same_rows(measure_product(g, a, b2), ab), "");
  }
}

TEST(Algebra, ProductDistributesOverSum) {
  for (const char* spec : kGroups) {
    SCOPED_TRACE(spec);
    const auto [g, dual, n] = setup(spec);
    const Measure a = random_measure(2, n, 7), b = random_measure(3, n, 8),
                  c = random_measure(2, n, 9);
    const Measure left = measure_product(g, a, measure_sum(b, c));
    const Measure right = measure_sum(measure_product(g, a, b), measure_product(g, a, c));
    expect_same_rows(left, right);
    expect_same_observables(left, right, dual);
  }
}

TEST(Algebra, OneAndZeroAreIdentities) {
  for (const char* spec : kGroups) {
    SCOPED_TRACE(spec);
    const auto [g, dual, n] = setup(spec);
    const Measure a = random_measure(4, n, 10);

    const Measure one = measure_one(g);
    ASSERT_TRUE(one.size() == 1 && one.z.cols() == 3 * n);
    EXPECT_EQ(one.m[0], 1.0);
    Eigen::RowVectorXd want = Eigen::RowVectorXd::Zero(3 * n);
    for (int blk = 0; blk < 3; ++blk) want[blk * n + g.identity()] = n;
    EXPECT_LT((one.z.row(0) - want).cwiseAbs().maxCoeff(), 1e-15);
    const FourierCoords f1 = fourier_coords(one.z, dual);
    for (const auto* m : {&f1.a, &f1.b, &f1.c})
      EXPECT_LT((m->array() - 1.0).abs().maxCoeff(), 1e-12);
    expect_same_rows(measure_product(g, one, a), a);
    expect_same_rows(measure_product(g, a, one), a);
    expect_same_observables(measure_product(g, one, a), a, dual);

    const Measure zero = measure_zero(n);
    EXPECT_TRUE(zero.size() == 0 && zero.n() == n);
    expect_same_rows(measure_sum(a, zero), a);
    expect_same_rows(measure_sum(zero, a), a);
    expect_same_observables(measure_sum(a, zero), a, dual);
    for (const Measure& p : {measure_product(g, a, zero), measure_product(g, zero, a)}) {
      EXPECT_EQ(p.size(), 0);
      const Eigen::MatrixXd o = measure_outputs(p);
      ASSERT_TRUE(o.rows() == n && o.cols() == n * n);
      EXPECT_EQ(o.cwiseAbs().maxCoeff(), 0.0);
      for (cd r : all_entries(degree3_potentials(p, dual))) EXPECT_EQ(std::abs(r), 0.0);
    }
  }
}

TEST(Algebra, EveryDegree3MpIsAHomomorphism) {
  for (const char* spec : {"cyclic:5", "cyclic:7", "product:3x3", "cyclic:11"}) {
    SCOPED_TRACE(spec);
    const auto [g, dual, n] = setup(spec);
    const Measure a = random_measure(4, n, 21), b = random_measure(3, n, 22);
    const Degree3Potentials da = degree3_potentials(a, dual), db = degree3_potentials(b, dual);
    EXPECT_LT(
        relative_deviation(degree3_potentials(measure_sum(a, b), dual), potentials_sum(da, db)),
        1e-12);
    EXPECT_LT(relative_deviation(degree3_potentials(measure_product(g, a, b), dual),
                                 potentials_product(da, db)),
              1e-12);
    for (double c : {2.5, -0.75, 0.0})
      EXPECT_LT(relative_deviation(degree3_potentials(measure_scale(a, c), dual),
                                   potentials_scale(da, c)),
                1e-12)
          << "c = " << c;
  }
}

TEST(Algebra, ElementwiseProductOfRawWeightsBreaksTheHomomorphism) {
  for (const char* spec : kGroups) {
    SCOPED_TRACE(spec);
    const auto [g, dual, n] = setup(spec);
    const Measure a = random_measure(4, n, 31), b = random_measure(3, n, 32);
    Measure raw{Eigen::MatrixXd(12, 3 * n), Eigen::VectorXd(12)};
    for (int i = 0; i < 4; ++i)
      for (int j = 0; j < 3; ++j) {
        raw.z.row(i * 3 + j) = a.z.row(i).cwiseProduct(b.z.row(j));
        raw.m[i * 3 + j] = a.m[i] * b.m[j];
      }
    EXPECT_GT(relative_deviation(
                  degree3_potentials(raw, dual),
                  potentials_product(degree3_potentials(a, dual), degree3_potentials(b, dual))),
              1e-3);
  }
}

TEST(Algebra, AbsorbGivesAPlainNetworkWithTheSameObservables) {
  for (const char* spec : kGroups) {
    SCOPED_TRACE(spec);
    const auto [g, dual, n] = setup(spec);
    const Measure a = random_measure(3, n, 41), b = random_measure(2, n, 42);
    const std::vector<Measure> cases = {a,
                                        measure_sum(a, b),
                                        measure_product(g, a, b),
                                        measure_scale(a, 3.0),
                                        measure_scale(a, -0.5),
                                        measure_product(g, measure_sum(a, b), b)};
    for (const Measure& mu : cases) {
      const Eigen::MatrixXd x = absorb(mu);
      // measure_scale takes any real c: a negative weight gives cbrt(m Q) < 0 (odd output).
      ASSERT_TRUE(x.rows() == mu.size() && x.cols() == 3 * n && x.allFinite());
      for (Eigen::Index j = 0; j < mu.size(); ++j) {
        const Eigen::RowVectorXd want = std::cbrt(mu.m[j] * mu.size()) * mu.z.row(j);
        EXPECT_LT((x.row(j) - want).cwiseAbs().maxCoeff(), 1e-12 * (1.0 + want.norm()));
      }
      expect_same_observables(network_measure(x, n), mu, dual);
    }
    const Eigen::MatrixXd z0 = absorb(measure_zero(n));
    ASSERT_TRUE(z0.rows() == 1 && z0.cols() == 3 * n);
    EXPECT_EQ(z0.cwiseAbs().maxCoeff(), 0.0);

    const Eigen::MatrixXd plain = test::random_particles(6, n, 43);
    const Eigen::MatrixXd back = absorb(network_measure(plain, n));
    ASSERT_EQ(back.rows(), 6);
    EXPECT_LT((back - plain).cwiseAbs().maxCoeff(), 1e-14 * plain.cwiseAbs().maxCoeff());
  }
}

TEST(Algebra, ZeroOneSetsComposeByTheTable) {
  Rng rng(2024, 7);
  for (const char* spec : {"cyclic:7", "cyclic:11", "product:3x3"}) {
    SCOPED_TRACE(spec);
    const auto [g, dual, n] = setup(spec);
    const std::vector<int> reps = pair_representatives(dual);

    // The constructions: every MP is 0 or 1, the 1-set exactly {r_kkk : k in +-P}.
    const std::vector<int> some(reps.begin(), reps.begin() + 2);
    for (const Measure& mu : {partial_grid(dual, some), partial_character(g, dual, some)}) {
      const ZeroOne s = zero_one_sets(degree3_potentials(mu, dual));
      for (std::size_t e = 0; e < s.zero.size(); ++e) {
        const int k = static_cast<int>(e % n), k12 = static_cast<int>(e / n);
        const int rep = std::min(k, dual.neg(k));
        const bool target = e < static_cast<std::size_t>(n) * n * n && k12 == k * n + k &&
                            std::find(some.begin(), some.end(), rep) != some.end();
        EXPECT_EQ(s.one[e], target) << "entry " << e;
        EXPECT_EQ(s.zero[e], !target) << "entry " << e;
      }
    }

    auto random_operand = [&](std::uint64_t seed) {
      std::vector<int> pick;
      for (int r : reps)
        if (rng.uniform() < 0.5) pick.push_back(r);
      Measure mu =
          rng.uniform() < 0.5 ? partial_grid(dual, pick) : partial_character(g, dual, pick);
      // A third of the time, a random factor: the 0-set stays, the 1-values become random.
      if (rng.uniform() < 1.0 / 3.0) mu = measure_product(g, mu, random_measure(2, n, seed));
      return mu;
    };
    std::size_t violations = 0, predicted_one_product = 0, predicted_one_sum = 0,
                predicted_zero = 0, twos = 0;
    for (int trial = 0; trial < 12; ++trial) {
      const Measure mu1 = random_operand(100 + trial), mu2 = random_operand(200 + trial);
      const ZeroOne r = zero_one_sets(degree3_potentials(mu1, dual));
      const ZeroOne s = zero_one_sets(degree3_potentials(mu2, dual));
      const ZeroOne prod = zero_one_sets(degree3_potentials(measure_product(g, mu1, mu2), dual));
      const Degree3Potentials dsum = degree3_potentials(measure_sum(mu1, mu2), dual);
      const std::vector<cd> sum_entries = all_entries(dsum);
      const ZeroOne sum = zero_one_sets(dsum);
      for (std::size_t e = 0; e < r.zero.size(); ++e) {
        if ((r.zero[e] || s.zero[e]) && !prod.zero[e]) ++violations;
        if (r.one[e] && s.one[e] && !prod.one[e]) ++violations;
        if (r.zero[e] && s.zero[e] && !sum.zero[e]) ++violations;
        const bool sum_one = (r.one[e] && s.zero[e]) || (r.zero[e] && s.one[e]);
        if (sum_one && !sum.one[e]) ++violations;
        predicted_zero += r.zero[e] && s.zero[e];
        predicted_one_product += r.one[e] && s.one[e];
        predicted_one_sum += sum_one;
        // 1 + 1 = 2: R1 cap S1 is not in the sum's 1-set.
        if (r.one[e] && s.one[e]) {
          ++twos;
          EXPECT_LT(std::abs(sum_entries[e] - 2.0), 1e-9);
          EXPECT_FALSE(sum.one[e]);
        }
      }
    }
    EXPECT_EQ(violations, 0u);
    // The checks were not vacuous.
    EXPECT_TRUE(predicted_zero > 0 && predicted_one_product > 0 && predicted_one_sum > 0 &&
                twos > 0);

    // Partial solutions on complementary pairs add up to the symbolic solution.
    const std::vector<int> first(reps.begin(), reps.begin() + reps.size() / 2),
        rest(reps.begin() + reps.size() / 2, reps.end());
    const Measure whole = measure_sum(partial_grid(dual, first), partial_character(g, dual, rest));
    EXPECT_LT(exact_pattern_deviation(degree3_potentials(whole, dual), n), 1e-12);
    const Evaluation ev = evaluate_all(absorb(whole), g);
    EXPECT_LT(ev.loss, 1e-12);
    EXPECT_EQ(ev.accuracy, 1.0);
    // Missing one pair is not a solution.
    const Measure short_one = measure_sum(
        partial_grid(dual, first), partial_character(g, dual, {rest.begin() + 1, rest.end()}));
    EXPECT_GT(exact_pattern_deviation(degree3_potentials(short_one, dual), n), 0.5);
  }
}

TEST(Algebra, ExactSolutionTimesOneIsExact) {
  const std::pair<const char*, bool> cases[] = {
      {"cyclic:7", true},
      {"product:3x3", true},
      {"cyclic:6", false},
      {"product:2x4", false},
      {"cyclic:5", false}};  // (group, grid solution or else the character solution)
  for (const auto& [spec, grid] : cases) {
    SCOPED_TRACE(spec);
    const auto [g, dual, n] = setup(spec);
    const Measure mu =
        network_measure(grid ? exact_grid_solution(g) : exact_character_solution(g), n);
    EXPECT_LT(exact_pattern_deviation(degree3_potentials(mu, dual), n), 1e-12);
    const Measure prod = measure_product(g, mu, measure_one(g));
    EXPECT_LT(exact_pattern_deviation(degree3_potentials(prod, dual), n), 1e-12);
    const Evaluation ev = evaluate_all(absorb(prod), g);
    EXPECT_LT(ev.loss, 1e-12);
    EXPECT_EQ(ev.accuracy, 1.0);
    // Control: half of one halves every rho_kkk.
    const Measure half = measure_product(g, mu, measure_scale(measure_one(g), 0.5));
    EXPECT_GT(exact_pattern_deviation(degree3_potentials(half, dual), n), 0.4);
  }
}

TEST(Algebra, GridSolutionIsTheProductOfTwoThreeParticleSets) {
  for (const char* spec : kGroups) {
    SCOPED_TRACE(spec);
    const auto [g, dual, n] = setup(spec);
    Measure total = measure_zero(n);
    for (int k : pair_representatives(dual)) {
      std::vector<Eigen::RowVectorXd> ra, rb;
      for (int i = 0; i < 3; ++i) {
        ra.push_back(particle_from_coords(dual, k, cis(phase(i)), 1.0, cis(-phase(i))));
        rb.push_back(particle_from_coords(dual, k, 1.0, cis(phase(i)), cis(-phase(i))));
      }
      const Measure block =
          measure_product(g, from_rows(ra, 1.0 / 3.0, n), from_rows(rb, 1.0 / 3.0, n));
      expect_same_rows(block, partial_grid(dual, {k}));
      total = measure_sum(total, block);
    }
    const Measure want = network_measure(exact_grid_solution(g), n);
    expect_same_observables(total, want, dual);
    // With the weights absorbed it is exact_grid_solution particle for particle.
    expect_same_rows(network_measure(absorb(total), n), want);
  }
}

TEST(Algebra, ProductRefusesNonAbelianGroups) {
  const Group g = make_group("symmetric:3");
  const int n = g.order();
  const Measure a = random_measure(2, n, 51), b = random_measure(3, n, 52);
  try {
    (void)measure_product(g, a, b);
    ADD_FAILURE() << "measure_product accepted symmetric:3";
  } catch (const InputError& e) {
    std::string msg = e.what();
    std::transform(msg.begin(), msg.end(), msg.begin(),
                   [](unsigned char ch) { return std::tolower(ch); });
    EXPECT_TRUE(msg.find("non-abelian") != std::string::npos ||
                msg.find("not abelian") != std::string::npos ||
                msg.find("nonabelian") != std::string::npos)
        << e.what();
  }
  // Sum and scale work on any group.
  const Measure s = measure_sum(a, b);
  EXPECT_EQ(s.size(), 5);
  EXPECT_LT(rel(measure_outputs(s), measure_outputs(a) + measure_outputs(b)), 1e-12);
  EXPECT_LT(rel(measure_outputs(measure_scale(a, 2.0)), 2.0 * measure_outputs(a)), 1e-12);
}

TEST(Algebra, NetworkMeasureRejectsBadShapes) {
  EXPECT_THROW(network_measure(Eigen::MatrixXd::Zero(4, 20), 7), InputError);
  EXPECT_THROW(network_measure(Eigen::MatrixXd::Zero(4, 22), 7), InputError);
  EXPECT_THROW(network_measure(Eigen::MatrixXd::Zero(4, 21), 5), InputError);
  EXPECT_THROW(network_measure(Eigen::MatrixXd::Zero(0, 21), 7), InputError);
  EXPECT_THROW(network_measure(Eigen::MatrixXd::Zero(1, 0), 0), InputError);
  EXPECT_NO_THROW(network_measure(Eigen::MatrixXd::Zero(4, 21), 7));
}

}  // namespace
}  // namespace symsweep::core
