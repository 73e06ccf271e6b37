#include <gtest/gtest.h>

#include <Eigen/Eigenvalues>
#include <array>
#include <cmath>
#include <string>
#include <vector>

#include "symsweep/core/circuits.hpp"
#include "symsweep/core/data.hpp"
#include "symsweep/core/group.hpp"
#include "symsweep/core/hessian.hpp"
#include "symsweep/core/model.hpp"
#include "symsweep/core/train_config.hpp"

namespace symsweep::core {
namespace {

Gradient<double> random_direction(const Particles<double>& p, unsigned seed) {
  std::srand(seed);
  Gradient<double> v;
  v.a = Eigen::MatrixXd::Random(p.local_count(), p.n());
  v.b = Eigen::MatrixXd::Random(p.local_count(), p.n());
  v.c = Eigen::MatrixXd::Random(p.local_count(), p.n());
  return v;
}

Gradient<double> gradient_at(const Particles<double>& p, const Samples& s, const Head& head) {
  LocalReducer local;
  Workspace<double> ws;
  Gradient<double> g;
  loss_and_gradient(p, s, local, ws, g, head);
  return g;
}

double max_abs(const Gradient<double>& g) {
  return std::max(
      {g.a.cwiseAbs().maxCoeff(), g.b.cwiseAbs().maxCoeff(), g.c.cwiseAbs().maxCoeff()});
}

// H v against central differences of the exact gradient, (g(z + h v) - g(z - h v)) / 2h, for
// every loss, two parametrizations and a partial task (f64).
TEST(Hessian, VectorProductIsTheCentralDifferenceOfTheGradient) {
  const Group g = make_group("cyclic:7");
  const Split split = make_split(g, 0.6, {g.identity()}, 3);
  LocalReducer local;
  struct Case {
    Parametrization par;
    Loss loss;
    const char* targets;
  };
  for (const Case c : {Case{Parametrization::kMeanField, Loss::kCentredMse, ""},
                       Case{Parametrization::kMeanField, Loss::kMse, ""},
                       Case{Parametrization::kStandard, Loss::kCrossEntropy, ""},
                       Case{Parametrization::kGromov, Loss::kMse, ""},
                       Case{Parametrization::kMeanField, Loss::kCentredMse, "1-2"}}) {
    TrainConfig cfg;
    cfg.width = 9;
    cfg.parametrization = c.par;
    cfg.loss = c.loss;
    cfg.target_frequencies = c.targets;
    SCOPED_TRACE(std::string(to_string(c.par)) + " " + to_string(c.loss) + " " + c.targets);
    const Head head = head_of(cfg, g);
    const Particles<double> p = init_particles<double>(7, 9, ShardRange{0, 9}, 0.7, 11);
    const Gradient<double> v = random_direction(p, 5);
    Gradient<double> hv;
    hessian_vector_product(p, split.train, local, head, v, hv);
    const double h = 1e-5;
    Particles<double> up = p, down = p;
    up.a += h * v.a, up.b += h * v.b, up.c += h * v.c;
    down.a -= h * v.a, down.b -= h * v.b, down.c -= h * v.c;
    const Gradient<double> gu = gradient_at(up, split.train, head);
    const Gradient<double> gd = gradient_at(down, split.train, head);
    Gradient<double> diff;
    diff.a = (gu.a - gd.a) / (2 * h) - hv.a;
    diff.b = (gu.b - gd.b) / (2 * h) - hv.b;
    diff.c = (gu.c - gd.c) / (2 * h) - hv.c;
    EXPECT_GT(max_abs(hv), 0.0);
    EXPECT_LT(max_abs(diff) / max_abs(hv), 1e-6);
  }
}

/// The dense Hessian, column by column from unit vectors (3nq x 3nq, particle-major as
/// hessian_spectrum's vector).
Eigen::MatrixXd dense_hessian(const Particles<double>& p, const Samples& s, const Head& head) {
  LocalReducer local;
  const int n = p.n();
  const Eigen::Index q = p.local_count(), dim = 3 * n * q;
  Eigen::MatrixXd hess(dim, dim);
  Gradient<double> e, out;
  for (Eigen::Index col = 0; col < dim; ++col) {
    e.a.setZero(q, n);
    e.b.setZero(q, n);
    e.c.setZero(q, n);
    const Eigen::Index j = col / (3 * n), blk = (col % (3 * n)) / n, i = col % n;
    (blk == 0 ? e.a : blk == 1 ? e.b : e.c)(j, i) = 1.0;
    hessian_vector_product(p, s, local, head, e, out);
    for (Eigen::Index r = 0; r < dim; ++r) {
      const Eigen::Index jr = r / (3 * n), br = (r % (3 * n)) / n, ir = r % n;
      hess(r, col) = (br == 0 ? out.a : br == 1 ? out.b : out.c)(jr, ir);
    }
  }
  return hess;
}

// Lanczos' extreme eigenvalues against a dense eigendecomposition: Z_5, q = 4 (60 x 60).
TEST(Hessian, LanczosEndsAreTheDenseSpectrumsEnds) {
  const Group g = make_group("cyclic:5");
  const Split split = make_split(g, 0.8, {g.identity()}, 1);
  const Head head = head_of(TrainConfig{}, g);
  const Particles<double> p = init_particles<double>(5, 4, ShardRange{0, 4}, 0.8, 2);
  const Eigen::MatrixXd hess = dense_hessian(p, split.train, head);
  EXPECT_LT((hess - hess.transpose()).cwiseAbs().maxCoeff(), 1e-12 * hess.cwiseAbs().maxCoeff());
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> dense(hess);
  const Eigen::VectorXd all = dense.eigenvalues();  // ascending
  LocalReducer local;
  SpectrumOptions o;
  o.k = 6;
  o.tolerance = 1e-12;
  const Spectrum sp = hessian_spectrum(p, split.train, local, head, o);
  ASSERT_TRUE(sp.converged);
  ASSERT_EQ(sp.largest.size(), 6u);
  ASSERT_EQ(sp.smallest.size(), 6u);
  EXPECT_EQ(sp.dimension, 60);
  const double scale = all.cwiseAbs().maxCoeff();
  for (int i = 0; i < 6; ++i) {
    EXPECT_NEAR(sp.largest[i], all[59 - i], 1e-8 * scale) << i;
    EXPECT_NEAR(sp.smallest[i], all[i], 1e-8 * scale) << i;
  }
  // The counts are those of the computed ends.
  int negative = 0;
  for (int i = 0; i < 6; ++i) negative += all[i] < -o.threshold * scale ? 1 : 0;
  EXPECT_EQ(sp.negative, negative);
  EXPECT_GT(all[59], 0.0);
}

// At an exact 0/1 solution the loss is 0, the residuals vanish and the Hessian is the
// Gauss-Newton term alone: no negative eigenvalue.
TEST(Hessian, AnExactSolutionHasNoNegativeEigenvalue) {
  const Group g = make_group("cyclic:5");
  const Eigen::MatrixXd z = exact_character_solution(g);
  const Particles<double> p = particles_from_stacked<double>(z, ShardRange{0, z.rows()});
  const Samples all = all_pairs(g);
  LocalReducer local;
  const Head head = head_of(TrainConfig{}, g);
  ASSERT_LT(evaluate(p, all, local, head).loss, 1e-20);
  SpectrumOptions o;
  o.k = 8;
  const Spectrum sp = hessian_spectrum(p, all, local, head, o);
  ASSERT_TRUE(sp.converged);
  EXPECT_EQ(sp.negative, 0);
  EXPECT_GT(sp.largest.front(), 0.0);
  EXPECT_GE(sp.smallest.front(), -1e-9 * sp.scale);
  // A random network of the same width has negative curvature somewhere.
  const Particles<double> r = init_particles<double>(5, z.rows(), ShardRange{0, z.rows()}, 0.5, 9);
  EXPECT_GT(hessian_spectrum(r, all, local, head, o).negative, 0);
}

// Counts and effective dimension of a known spectrum, the quantities lanczos_quadrature
// estimates: {below -cut, above cut, sum lambda / (lambda + cut) over lambda > 0}.
std::array<double, 3> exact_density(const Eigen::VectorXd& eig, double cut) {
  std::array<double, 3> e{0.0, 0.0, 0.0};
  for (const double l : eig) {
    e[0] += l < -cut ? 1.0 : 0.0;
    e[1] += l > cut ? 1.0 : 0.0;
    e[2] += l > 0.0 ? l / (l + cut) : 0.0;
  }
  return e;
}

// A Rademacher probe z has z_i^2 = 1, so z^T f(D) z = tr f(D) for a diagonal D: with as many
// Lanczos steps as the dimension the quadrature is exact and every probe gives the exact counts.
TEST(Quadrature, EveryProbeOfADiagonalMatrixIsExactWithFullSteps) {
  const Eigen::Index dim = 40;
  Eigen::VectorXd d(dim);
  for (Eigen::Index i = 0; i < dim; ++i) d[i] = std::sin(1.7 * static_cast<double>(i) + 0.3);
  const double cut = 0.25;
  auto apply = [&](const double* x, double* y) {
    for (Eigen::Index i = 0; i < dim; ++i) y[i] = d[i] * x[i];
  };
  const auto est = lanczos_quadrature(dim, apply, 5, static_cast<int>(dim), cut, 7);
  ASSERT_EQ(est.size(), 5u);
  const auto exact = exact_density(d, cut);
  ASSERT_GT(exact[0], 5.0);
  ASSERT_GT(exact[1], 5.0);
  for (const auto& e : est) {
    for (int i = 0; i < 3; ++i) EXPECT_NEAR(e[i], exact[i], 1e-8 * dim) << i;
  }
  // Too few steps blur the counts: nodes are no longer the eigenvalues.
  const auto few = lanczos_quadrature(dim, apply, 5, 4, cut, 7);
  double worst = 0.0;
  for (const auto& e : few) worst = std::max(worst, std::abs(e[1] - exact[1]));
  EXPECT_GT(worst, 1e-3);
}

// On the Hessian itself (Z_5, q = 4, 60 x 60, not diagonal): the density's estimates are
// unbiased: over many probes the mean lies within four standard errors of the dense counts.
TEST(Quadrature, HessianDensityMatchesTheDenseCountsWithinItsError) {
  const Group g = make_group("cyclic:5");
  const Split split = make_split(g, 0.8, {g.identity()}, 1);
  const Head head = head_of(TrainConfig{}, g);
  const Particles<double> p = init_particles<double>(5, 4, ShardRange{0, 4}, 0.8, 2);
  const Eigen::VectorXd all =
      Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(dense_hessian(p, split.train, head))
          .eigenvalues();
  LocalReducer local;
  SpectrumOptions o;
  o.k = 4;
  o.probes = 300;
  o.quadrature_steps = 60;
  const Spectrum sp = hessian_spectrum(p, split.train, local, head, o);
  ASSERT_TRUE(sp.density.has_value());
  const SpectralDensity& d = *sp.density;
  EXPECT_EQ(d.probes, 300);
  const auto exact = exact_density(all, o.threshold * sp.scale);
  ASSERT_GT(exact[0], 3.0);  // the case has negative curvature to count
  const double got[3] = {d.negative, d.large, d.effective_dimension};
  const double se[3] = {d.negative_se, d.large_se, d.effective_dimension_se};
  for (int i = 0; i < 3; ++i) {
    EXPECT_GT(se[i], 0.0) << i;  // a non-diagonal operator: the probes differ
    EXPECT_LT(se[i], 0.2 * exact[i]) << i;
    EXPECT_NEAR(got[i], exact[i], 4.0 * se[i]) << i;
  }
  // No probes: no density, and the ends are unchanged.
  o.probes = 0;
  const Spectrum ends = hessian_spectrum(p, split.train, local, head, o);
  EXPECT_FALSE(ends.density.has_value());
  EXPECT_EQ(ends.largest, sp.largest);
}

}  // namespace
}  // namespace symsweep::core
