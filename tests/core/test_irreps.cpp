#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <complex>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "symsweep/core/data.hpp"
#include "symsweep/core/error.hpp"
#include "symsweep/core/irrep_potentials.hpp"
#include "symsweep/core/irreps.hpp"
#include "symsweep/core/model.hpp"
#include "symsweep/core/npy.hpp"
#include "symsweep/core/potentials.hpp"
#include "tests/core/test_util.hpp"

namespace symsweep::core {
namespace {

using cd = std::complex<double>;

Evaluation evaluate_all(const Eigen::MatrixXd& z, const Group& g) {
  LocalReducer local;
  return evaluate(particles_from_stacked<double>(z, ShardRange{0, z.rows()}), all_pairs(g), local);
}

IrrepMpSummary summarize_all(const IrrepSet& irreps, const Eigen::MatrixXd& z) {
  LocalReducer local;
  return irrep_potentials(irreps, z, z.rows(), local);
}

// ------------------------------------------------------------------ the irreps themselves

struct KnownIrreps {
  const char* group;
  std::vector<int> dims;
  std::vector<int> indicators;  // Frobenius-Schur: +1 real, 0 complex, -1 quaternionic
};

class IrrepsOf : public ::testing::TestWithParam<KnownIrreps> {};

TEST_P(IrrepsOf, PassEveryVerificationTo1e10) {
  const Group g = make_group(GetParam().group);
  const IrrepSet irreps(g);
  const IrrepCheck chk =
      verify_irreps(g, irreps.irreps(), static_cast<int>(irreps.classes().size()));
  EXPECT_EQ(chk.irreps_minus_classes, 0);
  EXPECT_EQ(chk.sum_d2_minus_order, 0);
  EXPECT_LT(chk.homomorphism, 1e-10);
  EXPECT_LT(chk.identity, 1e-10);
  EXPECT_LT(chk.unitarity, 1e-10);
  EXPECT_LT(chk.schur, 1e-10);
  EXPECT_LT(chk.characters, 1e-10);
  EXPECT_LT(chk.indicator, 1e-10);
  EXPECT_LT(chk.conjugates, 1e-10);
  EXPECT_EQ(chk.real_imag, 0.0);  // real forms are real, not nearly real
  EXPECT_LT(irreps.check().max_error(), 1e-10);
}

TEST_P(IrrepsOf, HaveTheKnownDimensionsAndIndicators) {
  const IrrepSet irreps(make_group(GetParam().group));
  std::vector<int> dims, indicators;
  for (const Irrep& r : irreps.irreps()) {
    dims.push_back(r.dim);
    indicators.push_back(r.indicator);
    EXPECT_EQ(r.real(), r.indicator == 1);
  }
  EXPECT_EQ(dims, GetParam().dims);
  EXPECT_EQ(indicators, GetParam().indicators);
  // Trivial first.
  EXPECT_LT((irreps[0].character.array() - 1.0).abs().maxCoeff(), 1e-12);
}

TEST_P(IrrepsOf, ClassesPartitionTheGroupAndTheCharacterTableIsOrthonormal) {
  const Group g = make_group(GetParam().group);
  const IrrepSet irreps(g);
  const int n = g.order();
  const auto& classes = irreps.classes();
  ASSERT_EQ(static_cast<int>(classes.size()), irreps.size());
  EXPECT_EQ(classes[0], std::vector<int>{g.identity()});
  std::vector<int> seen(static_cast<std::size_t>(n), 0);
  for (std::size_t c = 0; c < classes.size(); ++c) {
    for (int x : classes[c]) {
      ++seen[static_cast<std::size_t>(x)];
      EXPECT_EQ(irreps.class_of()[static_cast<std::size_t>(x)], static_cast<int>(c));
      for (int h = 0; h < n; ++h) {
        EXPECT_EQ(irreps.class_of()[static_cast<std::size_t>(g.mul(g.mul(h, x), g.inv(h)))],
                  static_cast<int>(c));
      }
    }
  }
  for (int s : seen) EXPECT_EQ(s, 1);
  // Both orthogonality relations of the class-wise table.
  const Eigen::MatrixXcd t = irreps.character_table();
  const Eigen::Index k = t.rows();
  Eigen::VectorXd weight(k);
  for (Eigen::Index c = 0; c < k; ++c) weight[c] = static_cast<double>(classes[c].size()) / n;
  const Eigen::MatrixXcd rows = t * weight.asDiagonal() * t.adjoint();
  EXPECT_LT((rows - Eigen::MatrixXcd::Identity(k, k)).cwiseAbs().maxCoeff(), 1e-10);
  const Eigen::MatrixXcd cols = t.adjoint() * t;
  const Eigen::MatrixXcd expected = weight.cwiseInverse().cast<cd>().asDiagonal();
  EXPECT_LT((cols - expected).cwiseAbs().maxCoeff(), 1e-10);
  // First column: the dimensions.
  for (int i = 0; i < irreps.size(); ++i) EXPECT_NEAR(t(i, 0).real(), irreps[i].dim, 1e-12);
}

TEST_P(IrrepsOf, AreDeterministicAndCanonicallyOrdered) {
  const Group g = make_group(GetParam().group);
  const IrrepSet one(g), same(g), other(g, 12345);
  ASSERT_EQ(one.size(), other.size());
  for (int i = 0; i < one.size(); ++i) {
    for (int x = 0; x < g.order(); ++x) {
      ASSERT_EQ(one[i].rho[x], same[i].rho[x]);  // bitwise: fixed seed sequence
    }
    // Another seed gives other matrices but the same characters in the same order.
    EXPECT_LT((one[i].character - other[i].character).cwiseAbs().maxCoeff(), 1e-10);
    EXPECT_EQ(one[i].conjugate, other[i].conjugate);
    EXPECT_EQ(one[one[i].conjugate].conjugate, i);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Groups, IrrepsOf,
    ::testing::Values(KnownIrreps{"dihedral:5", {1, 1, 2, 2}, {1, 1, 1, 1}},
                      KnownIrreps{"dihedral:6", {1, 1, 1, 1, 2, 2}, {1, 1, 1, 1, 1, 1}},
                      KnownIrreps{"quaternion", {1, 1, 1, 1, 2}, {1, 1, 1, 1, -1}},
                      KnownIrreps{"alternating:4", {1, 1, 1, 3}, {1, 0, 0, 1}},
                      KnownIrreps{"symmetric:4", {1, 1, 2, 3, 3}, {1, 1, 1, 1, 1}},
                      KnownIrreps{"alternating:5", {1, 3, 3, 4, 5}, {1, 1, 1, 1, 1}},
                      KnownIrreps{"symmetric:5", {1, 1, 4, 4, 5, 5, 6}, {1, 1, 1, 1, 1, 1, 1}},
                      // Z_3 x Z_4: the real characters are those with 2k = 0 (two of them).
                      KnownIrreps{"product:3x4",
                                  {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1},
                                  {1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}},
                      KnownIrreps{
                          "product:2x2x2", {1, 1, 1, 1, 1, 1, 1, 1}, {1, 1, 1, 1, 1, 1, 1, 1}}),
    [](const auto& info) { return test::param_name(info.param.group); });

TEST(Irreps, OfAbelianGroupsAreTheCharacters) {
  for (const char* spec : {"cyclic:7", "product:3x4", "product:2x2x3"}) {
    const Group g = make_group(spec);
    const int n = g.order();
    const IrrepSet irreps(g);
    const DualGroup dual(g);
    const Eigen::MatrixXcd& chi = dual.characters();  // chi(a, k)
    ASSERT_EQ(irreps.size(), n) << spec;
    std::vector<int> hits(static_cast<std::size_t>(n), 0);
    for (const Irrep& r : irreps.irreps()) {
      ASSERT_EQ(r.dim, 1);
      Eigen::VectorXcd f(n);
      for (int a = 0; a < n; ++a) f[a] = r.rho[a](0, 0);
      for (int k = 0; k < n; ++k) {
        if ((chi.col(k) - f).cwiseAbs().maxCoeff() < 1e-12) ++hits[static_cast<std::size_t>(k)];
      }
    }
    for (int h : hits) EXPECT_EQ(h, 1) << spec;  // a bijection
  }
}

// ------------------------------------------------------------------ the MP summary

class IrrepLossIdentity : public ::testing::TestWithParam<const char*> {};

// docs/potentials.md: the loss summed over all n^2 pairs = n sum_{tau != 1} l_tau + n(n-1). The
// left side comes from the network's forward pass, the right side from the MPs alone.
TEST_P(IrrepLossIdentity, HoldsAtRandomZeroMeanParticles) {
  const Group g = make_group(GetParam());
  const IrrepSet irreps(g);
  const IrrepPotentials pot(irreps);
  LocalReducer local;
  for (std::uint64_t seed : {1, 2}) {
    Eigen::MatrixXd z = test::random_particles(19, g.order(), seed);
    test::center_blocks(z);
    const double direct = evaluate_all(z, g).loss_sum;
    const IrrepMpSummary mp = pot.summarize(z, 19, local);
    EXPECT_NEAR(mp.full_loss_sum_from_mps, direct, 1e-10 * direct) << GetParam();
  }
}

// The centred form of the square terms (docs/potentials.md, weights with non-zero means) makes
// the identity hold for any weights, which is what a training run has.
TEST_P(IrrepLossIdentity, HoldsAtRandomParticlesWithNonZeroMeans) {
  const Group g = make_group(GetParam());
  const IrrepSet irreps(g);
  Eigen::MatrixXd z = test::random_particles(13, g.order(), 7).array() + 0.4;
  const double direct = evaluate_all(z, g).loss_sum;
  const IrrepMpSummary mp = summarize_all(irreps, z);
  EXPECT_NEAR(mp.full_loss_sum_from_mps, direct, 1e-10 * direct) << GetParam();
}

TEST_P(IrrepLossIdentity, FailsForAnotherGroupsTable) {
  // The identity is a property of the group: the same particles scored against another group of
  // the same order (cyclic) do not satisfy it.
  const Group g = make_group(GetParam());
  const Group other = make_group("cyclic:" + std::to_string(g.order()));
  Eigen::MatrixXd z = test::random_particles(19, g.order(), 3);
  test::center_blocks(z);
  const double direct = evaluate_all(z, other).loss_sum;
  const IrrepMpSummary mp = summarize_all(IrrepSet(g), z);
  EXPECT_GT(std::abs(mp.full_loss_sum_from_mps - direct), 1e-6 * direct) << GetParam();
}

INSTANTIATE_TEST_SUITE_P(Groups, IrrepLossIdentity,
                         ::testing::Values("dihedral:5", "dihedral:6", "quaternion",
                                           "alternating:4", "symmetric:4", "alternating:5",
                                           "product:2x6"),
                         [](const auto& info) { return test::param_name(info.param); });

/// Test-size reference for the summary: every R^{rho sigma tau} and S tensor built explicitly
/// from irrep_fourier, docs/potentials.md term by term (zero-mean particles).
struct DirectTerms {
  Eigen::VectorXd rho, gap, l, off;
};

DirectTerms direct_terms(const IrrepSet& irreps, const Eigen::MatrixXd& z) {
  const IrrepFourier f = irrep_fourier(irreps, z);
  const int k = irreps.size();
  const double q = static_cast<double>(z.rows());
  auto tensor = [&](const Eigen::MatrixXcd& x, const Eigen::MatrixXcd& y) {
    // (1/q) sum_j vec(x_j) vec(y_j)^T
    return Eigen::MatrixXcd(x.transpose() * y / q);
  };
  auto triple = [&](const Eigen::MatrixXcd& x, const Eigen::MatrixXcd& y,
                    const Eigen::MatrixXcd& w) {
    // (1/q) sum_j kron(vec x_j, vec y_j) vec(w_j)^T, row index of y fastest.
    Eigen::MatrixXcd xy(x.rows(), x.cols() * y.cols());
    for (Eigen::Index a = 0; a < x.cols(); ++a) {
      for (Eigen::Index b = 0; b < y.cols(); ++b) {
        xy.col(b + y.cols() * a) = x.col(a).cwiseProduct(y.col(b));
      }
    }
    return tensor(xy, w);
  };
  DirectTerms out{Eigen::VectorXd::Zero(k), Eigen::VectorXd::Zero(k), Eigen::VectorXd::Zero(k),
                  Eigen::VectorXd::Zero(k)};
  for (int t = 1; t < k; ++t) {
    const int d = irreps[t].dim;
    const double dd = d;
    cd tr = 0.0;
    for (Eigen::Index j = 0; j < z.rows(); ++j) {
      Eigen::MatrixXcd am(d, d), bm(d, d), cm(d, d);
      for (int c = 0; c < d * d; ++c) {
        am(c % d, c / d) = f.a[t](j, c);
        bm(c % d, c / d) = f.b[t](j, c);
        cm(c % d, c / d) = f.c[t](j, c);
      }
      tr += (bm * am * cm).trace() / q;
    }
    double quad = 0.0, diag = 0.0;
    for (int r = 1; r < k; ++r) {
      for (int s = 1; s < k; ++s) {
        const double w = irreps[r].dim * irreps[s].dim * dd;
        const double norm2 = triple(f.a[r], f.b[s], f.c[t]).squaredNorm();
        quad += w * norm2;
        if (r == t && s == t) diag = w * norm2;
      }
    }
    Eigen::MatrixXcd m = dd * dd * triple(f.a[t], f.b[t], f.c[t]);  // (b + d^2 a, c)
    for (int i = 0; i < d; ++i) {
      for (int j = 0; j < d; ++j) {
        for (int l = 0; l < d; ++l) m((l + d * j) + d * d * (j + d * i), i + d * l) -= 1.0;
      }
    }
    double sq = dd / 4.0 * tensor(f.sq_a[0] + f.sq_b[0], f.c[t]).squaredNorm();
    for (int r = 1; r < k; ++r) {
      sq += dd / 4.0 * irreps[r].dim *
            (tensor(f.sq_a[r], f.c[t]).squaredNorm() + tensor(f.sq_b[r], f.c[t]).squaredNorm());
    }
    out.rho[t] = tr.real() / dd;
    out.gap[t] = m.norm() / std::pow(dd, 1.5);
    out.l[t] = -2.0 * dd * tr.real() + quad + sq;
    out.off[t] = quad - diag + sq;
  }
  return out;
}

class PerIrrep : public ::testing::TestWithParam<const char*> {};

TEST_P(PerIrrep, EveryTermEqualsTheExplicitTensors) {
  const Group g = make_group(GetParam());
  const IrrepSet irreps(g);
  Eigen::MatrixXd z = 1.5 * test::random_particles(11, g.order(), 5);
  test::center_blocks(z);
  const IrrepMpSummary mp = summarize_all(irreps, z);
  const DirectTerms ref = direct_terms(irreps, z);
  const double scale = ref.l.cwiseAbs().maxCoeff();
  for (int t = 1; t < irreps.size(); ++t) {
    EXPECT_NEAR(mp.rho[t], ref.rho[t], 1e-12 * scale) << GetParam() << " irrep " << t;
    EXPECT_NEAR(mp.gap[t], ref.gap[t], 1e-12 * std::max(1.0, ref.gap[t])) << GetParam() << " " << t;
    EXPECT_NEAR(mp.l[t], ref.l[t], 1e-12 * scale) << GetParam() << " irrep " << t;
    EXPECT_NEAR(mp.off_target[t], ref.off[t], 1e-12 * scale) << GetParam() << " irrep " << t;
    // Conjugate partners carry the same values.
    const int c = irreps[t].conjugate;
    EXPECT_NEAR(mp.l[t], mp.l[c], 1e-12 * scale) << GetParam() << " irrep " << t;
    EXPECT_NEAR(mp.rho[t], mp.rho[c], 1e-12 * scale) << GetParam() << " irrep " << t;
  }
  EXPECT_NEAR(mp.off_target_energy, ref.off.sum(), 1e-12 * scale);
  EXPECT_NEAR(mp.binary_gap, ref.gap.maxCoeff(), 1e-12 * scale);
  // Random particles spread their energy over the irreps.
  EXPECT_LT(mp.concentration, 0.9);
  EXPECT_GT(mp.concentration, 0.0);
}

INSTANTIATE_TEST_SUITE_P(Groups, PerIrrep,
                         ::testing::Values("dihedral:5", "quaternion", "alternating:4",
                                           "symmetric:4"),
                         [](const auto& info) { return test::param_name(info.param); });

TEST(IrrepPotentials, EqualsTheAbelianCodeOnProductGroups) {
  for (const char* spec : {"product:3x4", "product:2x2x3", "cyclic:7"}) {
    const Group g = make_group(spec);
    const int n = g.order();
    const IrrepSet irreps(g);
    const DualGroup dual(g);
    Eigen::MatrixXd z = test::random_particles(17, n, 9);
    test::center_blocks(z);
    LocalReducer local;
    const MpSummary ab = monomial_potentials(fourier_coords(z, dual), 17, dual, local);
    const IrrepMpSummary na = summarize_all(irreps, z);
    const double scale = ab.l.cwiseAbs().maxCoeff();
    EXPECT_NEAR(na.full_loss_sum_from_mps, ab.full_loss_sum_from_mps,
                1e-12 * ab.full_loss_sum_from_mps)
        << spec;
    for (int t = 1; t < n; ++t) {
      int k = -1;
      for (int kk = 0; kk < n; ++kk) {
        double e = 0.0;
        for (int a = 0; a < n; ++a) {
          e = std::max(e, std::abs(dual.characters()(a, kk) - irreps[t].rho[a](0, 0)));
        }
        if (e < 1e-12) k = kk;
      }
      ASSERT_GT(k, 0) << spec;
      EXPECT_NEAR(na.rho[t], ab.rho_kkk[static_cast<std::size_t>(k - 1)].real(), 1e-12 * scale)
          << spec;
      EXPECT_NEAR(na.l[t], ab.l[k], 1e-12 * scale) << spec;
    }
  }
}

/// A team simulated in one process: in the first pass every shard adds its partial sums into
/// `totals` (one per reducer.sum call of a summarize, by position); in the second pass each
/// shard's sum() returns the totals, as an allreduce would. begin() starts a summarize.
class TwoPassReducer final : public Reducer {
 public:
  bool replay = false;
  int calls = 0;
  std::size_t index = 0;
  std::vector<std::vector<double>> totals;
  void begin() { index = 0; }
  void sum(float*, std::size_t) override { ADD_FAILURE() << "unexpected float sum"; }
  void sum(double* data, std::size_t count) override {
    ++calls;
    if (totals.size() <= index) totals.emplace_back(count, 0.0);
    std::vector<double>& total = totals[index++];
    ASSERT_EQ(total.size(), count);
    for (std::size_t i = 0; i < count; ++i) {
      if (replay) {
        data[i] = total[i];
      } else {
        total[i] += data[i];
      }
    }
  }
  void max(double*, std::size_t) override { ADD_FAILURE() << "unexpected max"; }
  int size() const override { return 3; }
  int rank() const override { return 0; }
};

void expect_same_summary(const IrrepMpSummary& part, const IrrepMpSummary& whole, int irreps) {
  const double scale = whole.l.cwiseAbs().maxCoeff();
  EXPECT_NEAR(part.full_loss_sum_from_mps, whole.full_loss_sum_from_mps,
              1e-12 * whole.full_loss_sum_from_mps);
  EXPECT_LT((part.l - whole.l).cwiseAbs().maxCoeff(), 1e-12 * scale);
  EXPECT_LT((part.rho - whole.rho).tail(irreps - 1).cwiseAbs().maxCoeff(), 1e-12 * scale);
  EXPECT_LT((part.gap - whole.gap).tail(irreps - 1).cwiseAbs().maxCoeff(), 1e-12 * scale);
  EXPECT_NEAR(part.concentration, whole.concentration, 1e-12);
  EXPECT_NEAR(part.off_target_energy, whole.off_target_energy, 1e-12 * scale);
  EXPECT_NEAR(part.binary_gap, whole.binary_gap, 1e-12 * scale);
}

TEST(IrrepPotentials, ShardedSummaryEqualsTheWholeOne) {
  const Group g = make_group("symmetric:4");
  const IrrepSet irreps(g);
  // One reduction (the default chunk holds all of W for S_4) and six (4 elements x each).
  for (const std::size_t chunk : {IrrepPotentials::kChunkBytes, std::size_t{4 * 8 * 24 * 23}}) {
    const IrrepPotentials pot(irreps, chunk);
    const std::int64_t q = 23;
    const Eigen::MatrixXd z = test::random_particles(q, g.order(), 4).array() + 0.2;
    LocalReducer local;
    const IrrepMpSummary whole = pot.summarize(z, q, local);
    TwoPassReducer team;
    for (bool replay : {false, true}) {
      team.replay = replay;
      for (int rank = 0; rank < 3; ++rank) {
        const ShardRange s = shard_range(q, 3, rank);
        team.begin();
        const IrrepMpSummary part = pot.summarize(z.middleRows(s.offset, s.count), q, team);
        EXPECT_EQ(team.index, pot.reduction_sizes().size());
        if (replay) expect_same_summary(part, whole, irreps.size());
      }
    }
    // reduction_sizes() says how many reducer.sum calls a summarize makes, and their sizes.
    EXPECT_EQ(team.calls, 6 * static_cast<int>(pot.reduction_sizes().size()));
    ASSERT_EQ(team.totals.size(), pot.reduction_sizes().size());
    for (std::size_t i = 0; i < team.totals.size(); ++i) {
      EXPECT_EQ(team.totals[i].size(), pot.reduction_sizes()[i]);
    }
    // W in one reduction or six (4 elements x each), then each non-trivial irrep's M_tau
    // (2 d^6 doubles: 2, 2, 1458, 1458) in one piece, or in pieces of 4 * 24 * 23 doubles.
    const std::size_t w_calls = chunk == IrrepPotentials::kChunkBytes ? 1 : 6;
    std::size_t m_calls = 0;
    for (int t = 1; t < irreps.size(); ++t) {
      const std::size_t m = 2 * static_cast<std::size_t>(std::pow(irreps[t].dim, 6));
      m_calls += chunk == IrrepPotentials::kChunkBytes ? 1 : (m + chunk / 8 - 1) / (chunk / 8);
    }
    EXPECT_EQ(pot.reduction_sizes().size(), w_calls + m_calls);
  }
}

// W reduced a few elements x at a time gives the summary of W reduced at once, whatever the
// chunk (one x, a chunk that does not divide n), for real irreps, complex-conjugate pairs
// (alternating:4) and quaternionic ones (quaternion), at particles with non-zero means.
TEST(IrrepPotentials, ChunkedReductionsGiveTheSameSummary) {
  for (const char* spec : {"symmetric:4", "alternating:4", "quaternion", "alternating:5"}) {
    const Group g = make_group(spec);
    const IrrepSet irreps(g);
    const int n = g.order();
    const IrrepPotentials whole_pot(irreps);
    // W in one reduction, then one per non-trivial irrep (its M_tau).
    ASSERT_EQ(whole_pot.reduction_sizes().size(), static_cast<std::size_t>(irreps.size()))
        << spec;
    const std::int64_t q = 17;
    const Eigen::MatrixXd z = test::random_particles(q, n, 9).array() + 0.3;
    LocalReducer local;
    const IrrepMpSummary whole = whole_pot.summarize(z, q, local);
    const std::size_t per_x = 8 * static_cast<std::size_t>(n) * (n - 1);
    for (const std::size_t chunk : {std::size_t{1}, 5 * per_x, 7 * per_x + 3}) {
      const IrrepPotentials pot(irreps, chunk);
      const Eigen::Index cx = pot.chunk_elements();
      EXPECT_EQ(cx, chunk == 1 ? 1 : static_cast<Eigen::Index>(chunk / per_x)) << spec;
      const std::size_t piece = std::max<std::size_t>(1, chunk / 8);
      std::size_t m_calls = 0;
      for (int t = 1; t < irreps.size(); ++t) {
        const std::size_t m = 2 * static_cast<std::size_t>(std::pow(irreps[t].dim, 6));
        m_calls += (m + piece - 1) / piece;
      }
      EXPECT_EQ(pot.reduction_sizes().size(),
                static_cast<std::size_t>((n + cx - 1) / cx) + m_calls);
      EXPECT_EQ(pot.reduction_size(), whole_pot.reduction_size());
      SCOPED_TRACE(std::string(spec) + " chunk " + std::to_string(cx));
      expect_same_summary(pot.summarize(z, q, local), whole, irreps.size());
    }
  }
}

// character_degrees (class multiplication coefficients only) gives the degrees of the irreps
// Dixon's method builds, abelian groups included.
TEST(CharacterDegrees, AreTheIrrepsDegrees) {
  for (const char* spec : {"symmetric:3", "symmetric:4", "symmetric:5", "alternating:5",
                           "dihedral:7", "dihedral:12", "quaternion", "product:3x4",
                           "cyclic:9"}) {
    const Group g = make_group(spec);
    const IrrepSet irreps(g);
    std::vector<int> expected;
    for (const Irrep& r : irreps.irreps()) expected.push_back(r.dim);
    std::sort(expected.begin(), expected.end());
    EXPECT_EQ(character_degrees(g), expected) << spec;
  }
}

// Beyond 256 elements verify_irreps checks the first row of every product (docs/irreps.md);
// like the check of every row below that, it passes on Dixon's irreps and fails when one
// entry of one matrix is off, in any row.
TEST(VerifyIrreps, FindsAWrongEntryInAnyRowAtEitherSize) {
  for (const char* spec : {"dihedral:5", "dihedral:130"}) {
    const Group g = make_group(spec);
    const IrrepSet irreps(g);
    const int classes = static_cast<int>(irreps.classes().size());
    const IrrepCheck good = verify_irreps(g, irreps.irreps(), classes);
    EXPECT_TRUE(good.ok(1e-10)) << spec << ": " << good.max_error();
    int two = -1;  // an irrep of degree 2
    for (int i = 0; i < irreps.size() && two < 0; ++i) {
      if (irreps[i].dim == 2) two = i;
    }
    ASSERT_GE(two, 0);
    for (int row : {0, 1}) {
      std::vector<Irrep> bad = irreps.irreps();
      // Rotate row `row` of rho(x) for one x: still unitary, no longer a homomorphism.
      const int x = 3;
      bad[static_cast<std::size_t>(two)].rho[x].row(row) *= std::complex<double>(0.0, 1.0);
      const IrrepCheck chk = verify_irreps(g, bad, classes);
      EXPECT_GT(chk.homomorphism, 1e-3) << spec << " row " << row;
      EXPECT_FALSE(chk.ok(1e-9)) << spec << " row " << row;
    }
  }
}

TEST(IrrepPotentials, RejectsBadShapes) {
  const IrrepSet irreps(make_group("dihedral:5"));
  const IrrepPotentials pot(irreps);
  LocalReducer local;
  EXPECT_THROW(pot.summarize(Eigen::MatrixXd::Zero(3, 29), 3, local), InputError);
  EXPECT_THROW(pot.summarize(Eigen::MatrixXd::Zero(3, 30), 2, local), InputError);
  EXPECT_THROW(irrep_fourier(irreps, Eigen::MatrixXd::Zero(3, 31)), InputError);
}

// ------------------------------------------------------------------ the numpy reference

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::string(v) : fallback;
}

/// True when `python` starts and imports numpy.
bool python_has_numpy(const std::string& python) {
  const std::string cmd = "'" + python + "' -c 'import numpy' >/dev/null 2>&1";
  return std::system(cmd.c_str()) == 0;
}

class NumpyReference : public ::testing::TestWithParam<const char*> {};

// Same table, same particles, per-irrep numbers from the project's own numpy reference,
// tests/core/reference/irrep_terms.py: irreps from Burnside's characters and induced
// representations, l_tau from the network's outputs projected on each irrep (not from MPs), the
// rest from explicit tensors; see tests/core/reference/README.md. The build sets the directory
// (SYMSWEEP_IRREPS_REFERENCE in tests/core/CMakeLists.txt) and the interpreter (Debian's
// python3); the environment variables SYMSWEEP_IRREPS_REFERENCE and SYMSWEEP_PYTHON override
// them. Without numpy the test skips (deploy/install-deps.sh installs python3-numpy).
TEST_P(NumpyReference, GivesTheSamePerIrrepNumbers) {
  const std::filesystem::path reference =
      env_or("SYMSWEEP_IRREPS_REFERENCE", SYMSWEEP_IRREPS_REFERENCE_DIR);
  const std::string script = (reference / "irrep_terms.py").string();
  // The reference is part of the repository: a missing script is a failure, not a skip.
  ASSERT_TRUE(std::filesystem::exists(script)) << "no reference script " << script;
  const std::string python = env_or("SYMSWEEP_PYTHON", SYMSWEEP_PYTHON_FOR_TESTS);
  if (!python_has_numpy(python)) {
    GTEST_SKIP() << python << " cannot import numpy: the numpy reference did not run "
                 << "(apt-get install python3-numpy, or set SYMSWEEP_PYTHON)";
  }

  const Group g = make_group(GetParam());
  const int n = g.order();
  const IrrepSet irreps(g);
  Eigen::MatrixXd table(n, n);
  for (int x = 0; x < n; ++x) {
    for (int y = 0; y < n; ++y) table(x, y) = g.mul(x, y);
  }
  // Non-zero means on purpose: the reference's centred form is compared too.
  const Eigen::MatrixXd z = 1.3 * test::random_particles(24, n, 21).array() + 0.1;

  const auto dir =
      std::filesystem::temp_directory_path() /
      ("symsweep_irreps_" + std::to_string(::getpid()) + "_" + test::param_name(GetParam()));
  std::filesystem::create_directories(dir);
  const std::string tpath = (dir / "table.npy").string(), zpath = (dir / "z.npy").string(),
                    opath = (dir / "out.npy").string();
  write_npy(tpath, table);
  write_npy(zpath, z);
  const std::string cmd =
      "'" + python + "' '" + script + "' '" + tpath + "' '" + zpath + "' '" + opath + "'";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  const Eigen::MatrixXd ref = read_npy(opath);
  std::filesystem::remove_all(dir);

  const IrrepMpSummary mp = summarize_all(irreps, z);
  ASSERT_EQ(ref.rows(), irreps.size() - 1);
  ASSERT_EQ(ref.cols(), 7 + 2 * n);
  const double scale = ref.col(2).cwiseAbs().maxCoeff();
  std::vector<int> matched(static_cast<std::size_t>(irreps.size()), 0);
  for (Eigen::Index row = 0; row < ref.rows(); ++row) {
    // Match irreps by character (basis independent).
    int t = -1;
    for (int i = 1; i < irreps.size(); ++i) {
      double e = 0.0;
      for (int x = 0; x < n; ++x) {
        e = std::max(e,
                     std::abs(irreps[i].character[x] - cd(ref(row, 7 + x), ref(row, 7 + n + x))));
      }
      if (e < 1e-8) t = i;
    }
    ASSERT_GT(t, 0) << GetParam() << " reference row " << row;
    ++matched[static_cast<std::size_t>(t)];
    const double d = irreps[t].dim;
    EXPECT_EQ(d, ref(row, 0));
    EXPECT_EQ(irreps[t].indicator, ref(row, 1));
    EXPECT_NEAR(mp.l[t], ref(row, 2), 1e-10 * scale) << GetParam() << " irrep " << t;
    EXPECT_NEAR(mp.rho[t], ref(row, 3), 1e-10 * scale) << GetParam() << " irrep " << t;
    EXPECT_NEAR(mp.gap[t], std::sqrt(ref(row, 4)) / std::pow(d, 1.5), 1e-10 * scale)
        << GetParam() << " irrep " << t;
    EXPECT_NEAR(mp.off_target[t], ref(row, 5) + ref(row, 6), 1e-10 * scale)
        << GetParam() << " irrep " << t;
  }
  for (int i = 1; i < irreps.size(); ++i) EXPECT_EQ(matched[static_cast<std::size_t>(i)], 1);
  const double direct = evaluate_all(z, g).loss_sum;
  EXPECT_NEAR(n * ref.col(2).sum() + n * (n - 1.0), direct, 1e-10 * direct);
}

INSTANTIATE_TEST_SUITE_P(Groups, NumpyReference,
                         ::testing::Values("dihedral:5", "quaternion", "alternating:4",
                                           "symmetric:4", "alternating:5"),
                         [](const auto& info) { return test::param_name(info.param); });

// ------------------------------------------------------------------ the exact 0/1 solution

struct ExactCase {
  const char* group;
  Eigen::Index particles;
};

class ExactIrrepSolution : public ::testing::TestWithParam<ExactCase> {};

TEST_P(ExactIrrepSolution, HasLossZeroAndEveryMpOnTarget) {
  const Group g = make_group(GetParam().group);
  const IrrepSet irreps(g);
  const Eigen::MatrixXd z = exact_irrep_solution(irreps);
  EXPECT_EQ(z.rows(), GetParam().particles);
  const Evaluation ev = evaluate_all(z, g);
  EXPECT_LT(ev.loss, 1e-12);
  EXPECT_EQ(ev.accuracy, 1.0);
  const IrrepMpSummary mp = summarize_all(irreps, z);
  for (int t = 1; t < irreps.size(); ++t) {
    EXPECT_NEAR(mp.rho[t], 1.0, 1e-10) << GetParam().group << " irrep " << t;
    EXPECT_LT(mp.gap[t], 1e-10) << GetParam().group << " irrep " << t;
  }
  EXPECT_LT(mp.binary_gap, 1e-10);
  EXPECT_LT(std::abs(mp.off_target_energy), 1e-10);
  EXPECT_LT(std::abs(mp.full_loss_sum_from_mps), 1e-9);
  EXPECT_NEAR(mp.concentration, 1.0, 1e-10);  // each particle lives on one irrep
}

INSTANTIATE_TEST_SUITE_P(Groups, ExactIrrepSolution,
                         // Q = 4 sum_{tau != 1} d^3 (x4 for non-real irreps).
                         ::testing::Values(ExactCase{"dihedral:5", 4 * (1 + 8 + 8)},
                                           ExactCase{"quaternion", 4 * (3 + 4 * 8)},
                                           ExactCase{"alternating:4", 4 * (4 + 4 + 27)},
                                           ExactCase{"symmetric:4", 252},
                                           ExactCase{"alternating:5", 972},
                                           ExactCase{"product:3x4", 4 * (1 + 4 * 10)}),
                         [](const auto& info) { return test::param_name(info.param.group); });

TEST(ExactIrrepSolution, PerturbedSolutionIsNotExact) {
  const Group g = make_group("alternating:4");
  const IrrepSet irreps(g);
  Eigen::MatrixXd z = exact_irrep_solution(irreps);
  z += 1e-3 * test::random_particles(z.rows(), g.order(), 3);
  EXPECT_GT(evaluate_all(z, g).loss, 1e-10);
  const IrrepMpSummary mp = summarize_all(irreps, z);
  EXPECT_GT(mp.binary_gap, 1e-5);
  EXPECT_GT((mp.rho.tail(irreps.size() - 1).array() - 1.0).abs().maxCoeff(), 1e-8);
}

}  // namespace
}  // namespace symsweep::core
