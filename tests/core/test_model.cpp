#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>

#include "symsweep/core/error.hpp"
#include "symsweep/core/model.hpp"
#include "symsweep/core/npy.hpp"
#include "tests/core/test_util.hpp"

namespace symsweep::core {
namespace {

TEST(ShardRange, EveryParticleHasExactlyOneOwner) {
  for (std::int64_t q : {1, 7, 500, 513}) {
    for (int ranks = 1; ranks <= 5; ++ranks) {
      std::int64_t next = 0;
      for (int r = 0; r < ranks; ++r) {
        const ShardRange s = shard_range(q, ranks, r);
        EXPECT_EQ(s.offset, next);
        EXPECT_LE(s.count, q / ranks + 1);
        EXPECT_GE(s.count, q / ranks);
        next += s.count;
      }
      EXPECT_EQ(next, q);
    }
  }
}

TEST(InitParticles, ValuesDependOnGlobalIndexOnly) {
  const auto whole = init_particles<double>(5, 11, shard_range(11, 1, 0), 0.7, 42);
  for (int ranks : {2, 3, 4}) {
    for (int r = 0; r < ranks; ++r) {
      const auto part = init_particles<double>(5, 11, shard_range(11, ranks, r), 0.7, 42);
      EXPECT_EQ(part.stacked(), whole.stacked().middleRows(part.offset, part.local_count()));
    }
  }
  const auto other = init_particles<double>(5, 11, shard_range(11, 1, 0), 0.7, 43);
  EXPECT_NE(other.stacked(), whole.stacked());
  // The scale is the standard deviation: the sample variance of 11 * 15 normals is near 0.49.
  const double var = whole.stacked().squaredNorm() / static_cast<double>(whole.stacked().size());
  EXPECT_NEAR(var, 0.49, 0.15);
}

/// o(a1, a2) computed term by term from docs/model.md, independently of the matrix code.
double naive_loss_sum(const Eigen::MatrixXd& z, const Group& g, const Samples& s) {
  const int n = g.order();
  const auto q = static_cast<double>(z.rows());
  double sum = 0.0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    Eigen::VectorXd o = Eigen::VectorXd::Zero(n);
    for (Eigen::Index j = 0; j < z.rows(); ++j) {
      const double h = z(j, s.a1[i]) + z(j, n + s.a2[i]);
      for (int c = 0; c < n; ++c) o[c] += z(j, 2 * n + c) * h * h / q;
    }
    Eigen::VectorXd r = o / (2.0 * n);
    r[s.y[i]] -= 1.0;
    r.array() -= r.mean();
    sum += r.squaredNorm();
  }
  return sum;
}

TEST(Model, LossMatchesTheDefinition) {
  const Group g = make_group("dihedral:4");
  const Samples all = all_pairs(g);
  const Eigen::MatrixXd z = test::random_particles(9, g.order(), 1);
  LocalReducer local;
  const auto p = particles_from_stacked<double>(z, ShardRange{0, 9});
  const Evaluation ev = evaluate(p, all, local);
  const double expected = naive_loss_sum(z, g, all);
  EXPECT_NEAR(ev.loss_sum, expected, 1e-12 * expected);
  Workspace<double> ws;
  Gradient<double> grad;
  EXPECT_NEAR(loss_and_gradient(p, all, local, ws, grad), expected / all.size(),
              1e-12 * expected);
}

TEST(Model, GradientMatchesCentralFiniteDifferences) {
  const Group g = make_group("cyclic:5");
  const Split split = make_split(g, 0.6, {g.identity()}, 3);
  const Eigen::MatrixXd z = test::random_particles(6, g.order(), 2);
  LocalReducer local;
  Workspace<double> ws;
  Gradient<double> grad;
  auto p = particles_from_stacked<double>(z, ShardRange{0, 6});
  loss_and_gradient(p, split.train, local, ws, grad);
  Eigen::MatrixXd analytic(6, 15);
  analytic << grad.a, grad.b, grad.c;

  Eigen::MatrixXd numeric(6, 15);
  Gradient<double> unused;
  const double h = 1e-5;
  for (Eigen::Index j = 0; j < 6; ++j) {
    for (Eigen::Index i = 0; i < 15; ++i) {
      Eigen::MatrixXd zp = z, zm = z;
      zp(j, i) += h;
      zm(j, i) -= h;
      const double lp = loss_and_gradient(particles_from_stacked<double>(zp, ShardRange{0, 6}),
                                          split.train, local, ws, unused);
      const double lm = loss_and_gradient(particles_from_stacked<double>(zm, ShardRange{0, 6}),
                                          split.train, local, ws, unused);
      numeric(j, i) = (lp - lm) / (2 * h);
    }
  }
  EXPECT_LT((numeric - analytic).norm() / analytic.norm(), 1e-6);
  // Every coordinate, not only the bulk.
  EXPECT_LT((numeric - analytic).cwiseAbs().maxCoeff(), 1e-6 * analytic.cwiseAbs().maxCoeff());
}

TEST(Model, ChunkedLossAndGradientEqualOneChunk) {
  // The training pairs in chunks of 1, 7 and 64 (the last chunk short) against one chunk: the
  // same loss and gradient up to the order of the sums.
  const Group g = make_group("cyclic:13");
  const Split split = make_split(g, 0.55, {g.identity()}, 4);
  ASSERT_GT(split.train.size(), 64u);
  ASSERT_NE(split.train.size() % 7, 0u);
  LocalReducer local;
  const auto p = init_particles<double>(13, 20, ShardRange{0, 20}, 0.7, 9);
  Workspace<double> ws;
  Gradient<double> whole;
  const double loss = loss_and_gradient(p, split.train, local, ws, whole);
  const auto m = static_cast<std::int64_t>(split.train.size());
  EXPECT_EQ(loss_chunk_pairs(20, 13, m, sizeof(double)), m);  // one chunk by default
  for (const std::int64_t chunk : {1, 7, 64}) {
    Workspace<double> small;
    small.chunk_pairs = chunk;
    Gradient<double> grad;
    EXPECT_NEAR(loss_and_gradient(p, split.train, local, small, grad), loss, 1e-13 * loss)
        << chunk;
    EXPECT_LE(small.h.cols(), chunk);
    EXPECT_LT((grad.a - whole.a).norm(), 1e-13 * whole.a.norm()) << chunk;
    EXPECT_LT((grad.b - whole.b).norm(), 1e-13 * whole.b.norm()) << chunk;
    EXPECT_LT((grad.c - whole.c).norm(), 1e-13 * whole.c.norm()) << chunk;
  }
}

TEST(Model, LossChunksAreEqualNearTheCacheTargetAndBounded) {
  // S (Z_23, q 512, |T| 265) fits in one chunk; L (Z_97, q 1024, |T| 4705) is cut into equal
  // chunks whose h and s take about kLossChunkCacheBytes; f64 halves them.
  EXPECT_EQ(loss_chunk_pairs(512, 23, 265, 4), 265);
  for (const std::size_t bytes : {std::size_t{4}, std::size_t{8}}) {
    const std::int64_t c = loss_chunk_pairs(1024, 97, 4705, bytes);
    const std::int64_t chunks = (4705 + c - 1) / c;
    EXPECT_GE(c * chunks, 4705);
    EXPECT_LT(c * (chunks - 1), 4705);  // no empty chunk; the last one at most one pair short
    EXPECT_LT(c * chunks - 4705, chunks);
    const auto hs = static_cast<double>(2 * 1024 * c) * static_cast<double>(bytes);
    EXPECT_LT(hs, 1.1 * kLossChunkCacheBytes) << bytes;
    EXPECT_GT(hs, 0.45 * kLossChunkCacheBytes) << bytes;
  }
  // A shard too large for the cache target still takes kLossChunkMin pairs at a time, and the
  // buffers never exceed kLossChunkElements values when the pairs are many.
  EXPECT_EQ(loss_chunk_pairs(std::int64_t{1} << 20, 7, 1 << 20, 4), kLossChunkMin);
  const std::int64_t big = loss_chunk_pairs(16, 4096, std::int64_t{1} << 23, 4);
  EXPECT_LE(big * (2 * 16 + 4096), kLossChunkElements);
  EXPECT_EQ(loss_chunk_pairs(8, 5, 0, 4), 1);
}

/// A team of two as one rank sees it: sums are the identity, size() is 2 (core's own
/// reducer interface, not MPI: the chunking decision is what is tested).
class TwoRankView final : public Reducer {
 public:
  void sum(float*, std::size_t) override { ++calls; }
  void sum(double*, std::size_t) override { ++calls; }
  void max(double*, std::size_t) override {}
  int size() const override { return 2; }
  int rank() const override { return 0; }
  int calls = 0;
};

TEST(Model, RanksWhoseShardsDifferByOneCutTheSameChunks) {
  // q = 683 over 2 ranks: shards of 342 and 341 particles. With f64 and 383 training pairs,
  // a chunk computed from each rank's own shard would be 3 chunks on one rank and 1 on the
  // other (a team stuck in mismatched reductions); the team's largest shard sets both.
  const Group g = make_group("cyclic:29");
  const Split split = make_split(g, 383.0 / 841.0, {g.identity()}, 0);
  ASSERT_EQ(split.train.size(), 383u);
  ASSERT_NE(loss_chunk_pairs(342, 29, 383, 8), loss_chunk_pairs(341, 29, 383, 8));
  int calls[2] = {0, 0};
  for (const int rank : {0, 1}) {
    const ShardRange r = shard_range(683, 2, rank);
    const auto p = init_particles<double>(29, 683, r, 0.3, 2);
    TwoRankView view;
    Workspace<double> ws;
    Gradient<double> grad;
    loss_and_gradient(p, split.train, view, ws, grad);
    evaluate(p, split.train, view);
    calls[rank] = view.calls;
  }
  EXPECT_EQ(calls[0], calls[1]);
  EXPECT_GT(calls[0], 2);  // several chunks: the case the test is about
}

TEST(Model, SinglePrecisionAgreesWithDouble) {
  const Group g = make_group("cyclic:11");
  const Split split = make_split(g, 0.5, {g.identity()}, 0);
  LocalReducer local;
  const auto p64 = init_particles<double>(11, 64, ShardRange{0, 64}, 1.0, 5);
  const auto p32 = init_particles<float>(11, 64, ShardRange{0, 64}, 1.0, 5);
  const double l64 = evaluate(p64, split.train, local).loss;
  const double l32 = evaluate(p32, split.train, local).loss;
  EXPECT_NEAR(l32, l64, 1e-5 * l64);
}

TEST(Npy, RoundTripIsExact) {
  const Eigen::MatrixXd z = test::random_particles(7, 4, 9);
  const auto path = (std::filesystem::temp_directory_path() / "symsweep_test_roundtrip.npy").string();
  write_npy(path, z);
  EXPECT_EQ(read_npy(path), z);
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
  std::filesystem::remove(path);
  EXPECT_THROW(read_npy(path), InputError);
}

}  // namespace
}  // namespace symsweep::core
