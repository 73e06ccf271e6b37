#include <gtest/gtest.h>

#include <boost/mpi/communicator.hpp>
#include <cmath>
#include <vector>

#include "symsweep/core/data.hpp"
#include "symsweep/core/error.hpp"
#include "symsweep/core/group.hpp"
#include "symsweep/core/hessian.hpp"
#include "symsweep/core/irrep_potentials.hpp"
#include "symsweep/core/model.hpp"
#include "symsweep/core/run.hpp"
#include "symsweep/distributed/mpi_reducer.hpp"

namespace symsweep::distributed {
namespace {

double rel(double a, double b) { return std::abs(a - b) / std::max(std::abs(b), 1e-300); }

core::RunConfig z23_config() {
  core::RunConfig cfg;
  cfg.group = "cyclic:23";
  cfg.data_fraction = 0.5;
  cfg.train.width = 500;
  cfg.train.steps = 200;
  cfg.train.log_every = 20;
  cfg.train.precision = core::Precision::kF64;
  cfg.train.seed = 3;
  return cfg;
}

std::vector<Eigen::Index> predictions(const Eigen::MatrixXd& z, const core::Group& g) {
  core::LocalReducer local;
  const auto p = core::particles_from_stacked<double>(z, core::ShardRange{0, z.rows()});
  const Eigen::MatrixXd o = core::outputs(p, core::all_pairs(g), local);
  std::vector<Eigen::Index> best(o.cols());
  for (Eigen::Index i = 0; i < o.cols(); ++i) o.col(i).maxCoeff(&best[i]);
  return best;
}

// The trajectory of a run sharded over all ranks equals the unsharded one: f64, 200 AdamW
// steps on Z_23 with q = 500 (which no rank count here divides evenly except 1, 2, 4).
TEST(Sharding, ShardedRunEqualsUnshardedRun) {
  boost::mpi::communicator world;
  const core::RunConfig cfg = z23_config();
  core::GroupContextCache cache;
  MpiReducer team(world);
  Eigen::MatrixXd sharded_particles;
  const core::RunOutcome sharded = core::execute_run(cfg, team, cache, {}, &sharded_particles);
  // Every collective call is behind us: rank 0 now trains alone and compares.
  if (world.rank() != 0) return;
  core::LocalReducer local;
  Eigen::MatrixXd alone_particles;
  const core::RunOutcome alone = core::execute_run(cfg, local, cache, {}, &alone_particles);

  ASSERT_EQ(sharded.result.log.size(), alone.result.log.size());
  ASSERT_EQ(alone.result.log.size(), 11u);
  for (std::size_t i = 0; i < alone.result.log.size(); ++i) {
    const core::StepMetrics& s = sharded.result.log[i];
    const core::StepMetrics& a = alone.result.log[i];
    EXPECT_EQ(s.step, a.step);
    EXPECT_LT(rel(s.train_loss, a.train_loss), 1e-9) << "step " << a.step;
    EXPECT_LT(rel(*s.test_loss, *a.test_loss), 1e-9) << "step " << a.step;
    EXPECT_LT(rel(s.full_loss, a.full_loss), 1e-9) << "step " << a.step;
    EXPECT_LT(rel(s.effective_dim, a.effective_dim), 1e-9) << "step " << a.step;
    EXPECT_LT(rel(*s.binary_gap, *a.binary_gap), 1e-9) << "step " << a.step;
    EXPECT_LT(rel(*s.frequencies_per_neuron, *a.frequencies_per_neuron), 1e-12);
    EXPECT_LT(std::abs(s.drift.q - a.drift.q), 1e-9 * std::max(1.0, a.drift.q));
    for (std::size_t k = 0; k < a.rho_kkk->size(); ++k) {
      EXPECT_LT(std::abs((*s.rho_kkk)[k] - (*a.rho_kkk)[k]), 1e-9 * std::abs((*a.rho_kkk)[k]) + 1e-15);
    }
  }
  EXPECT_EQ(sharded.result.log.back().test_acc, alone.result.log.back().test_acc);
  // Gathered in global order: the same particles, and identical predictions on every pair.
  ASSERT_EQ(sharded_particles.rows(), 500);
  EXPECT_LT((sharded_particles - alone_particles).norm() / alone_particles.norm(), 1e-9);
  const core::Group& g = cache.get(cfg.group).group();
  EXPECT_EQ(predictions(sharded_particles, g), predictions(alone_particles, g));
  // The particles moved well away from their start, so the comparison is not between two
  // networks that barely trained.
  const Eigen::MatrixXd start =
      core::init_particles<double>(23, 500, core::ShardRange{0, 500}, cfg.train.init_scale,
                                   cfg.train.seed)
          .stacked();
  EXPECT_GT((alone_particles - start).norm(), 0.1 * start.norm());
}

// Reductions go in chunks below MPI's int count: with a chunk of 7 elements every sum, maximum
// and particle gather of a sharded run takes many calls, and the run is the same within
// rounding (the elements are reduced independently either way; only the order in which MPI
// adds the ranks' contributions may depend on the message size).
TEST(Sharding, ChunkedReductionsGiveTheSameRun) {
  boost::mpi::communicator world;
  core::RunConfig cfg = z23_config();
  cfg.train.steps = 60;
  core::GroupContextCache cache;
  MpiReducer whole(world);
  MpiReducer chunked(world, 7);
  Eigen::MatrixXd pw, pc;
  const core::RunOutcome a = core::execute_run(cfg, whole, cache, {}, &pw);
  const core::RunOutcome b = core::execute_run(cfg, chunked, cache, {}, &pc);
  ASSERT_EQ(a.result.log.size(), b.result.log.size());
  for (std::size_t i = 0; i < a.result.log.size(); ++i) {
    const core::StepMetrics& x = a.result.log[i];
    const core::StepMetrics& y = b.result.log[i];
    EXPECT_EQ(x.step, y.step);
    EXPECT_LT(rel(y.train_loss, x.train_loss), 1e-12) << "step " << x.step;
    EXPECT_LT(rel(y.full_loss, x.full_loss), 1e-12) << "step " << x.step;
    EXPECT_LT(rel(y.effective_dim, x.effective_dim), 1e-12) << "step " << x.step;
    EXPECT_LT(rel(*y.binary_gap, *x.binary_gap), 1e-12) << "step " << x.step;
    EXPECT_EQ(y.test_acc, x.test_acc) << "step " << x.step;
  }
  ASSERT_EQ(pw.rows(), 500);
  EXPECT_LT((pw - pc).norm() / pw.norm(), 1e-12);
  // A direct check of the element order: 23 values, each the sum of the ranks' contributions.
  std::vector<double> v(23);
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<double>(i * 100 + world.rank());
  chunked.sum(v.data(), v.size());
  const double ranks = world.size();
  for (std::size_t i = 0; i < v.size(); ++i) {
    EXPECT_EQ(v[i], static_cast<double>(i) * 100 * ranks + ranks * (ranks - 1) / 2) << i;
  }
  EXPECT_THROW(MpiReducer(world, 0), InputError);
}

// loss_and_gradient in chunks of 9 training pairs on a sharded network: every rank reduces the
// same chunks in the same order, and each rank's gradient rows equal the unsharded gradient's
// rows of its particles (one chunk, one process).
TEST(Sharding, ChunkedLossAndGradientEqualUnsharded) {
  boost::mpi::communicator world;
  const core::Group g = core::make_group("cyclic:17");
  const core::Split split = core::make_split(g, 0.5, {g.identity()}, 2);
  const std::int64_t q = 37;
  const core::ShardRange range = core::shard_range(q, world.size(), world.rank());
  const auto mine = core::init_particles<double>(17, q, range, 0.5, 11);
  MpiReducer team(world);
  core::Workspace<double> ws;
  ws.chunk_pairs = 9;
  core::Gradient<double> grad;
  const double loss = core::loss_and_gradient(mine, split.train, team, ws, grad);

  core::LocalReducer local;
  const auto all = core::init_particles<double>(17, q, core::ShardRange{0, q}, 0.5, 11);
  core::Workspace<double> ws1;
  core::Gradient<double> whole;
  const double loss1 = core::loss_and_gradient(all, split.train, local, ws1, whole);
  EXPECT_LT(rel(loss, loss1), 1e-13);
  ASSERT_EQ(grad.a.rows(), range.count);
  const auto rows = [&](const Eigen::MatrixXd& m) { return m.middleRows(range.offset, range.count); };
  EXPECT_LT((grad.a - rows(whole.a)).norm(), 1e-13 * whole.a.norm());
  EXPECT_LT((grad.b - rows(whole.b)).norm(), 1e-13 * whole.b.norm());
  EXPECT_LT((grad.c - rows(whole.c)).norm(), 1e-13 * whole.c.norm());
}

// Non-abelian monomial potentials: each rank transforms its own particles and one reduction
// makes them global; the result equals the single-process one.
TEST(Sharding, IrrepPotentialsEqualUnsharded) {
  boost::mpi::communicator world;
  core::RunConfig cfg;
  cfg.group = "symmetric:4";
  cfg.data_fraction = 0.6;
  cfg.train.width = 101;
  cfg.train.steps = 60;
  cfg.train.log_every = 20;
  cfg.train.precision = core::Precision::kF64;
  core::GroupContextCache cache;
  MpiReducer team(world);
  const core::RunOutcome sharded = core::execute_run(cfg, team, cache);
  if (world.rank() != 0) return;
  core::LocalReducer local;
  const core::RunOutcome alone = core::execute_run(cfg, local, cache);
  ASSERT_EQ(sharded.result.log.size(), alone.result.log.size());
  for (std::size_t i = 0; i < alone.result.log.size(); ++i) {
    const auto& s = *sharded.result.log[i].irreps;
    const auto& a = *alone.result.log[i].irreps;
    ASSERT_EQ(s.size(), a.size());
    for (std::size_t t = 0; t < a.size(); ++t) {
      EXPECT_NEAR(s[t].rho, a[t].rho, 1e-10);
      EXPECT_NEAR(s[t].gap, a[t].gap, 1e-10);
    }
    EXPECT_NEAR(*sharded.result.log[i].off_target_energy, *alone.result.log[i].off_target_energy,
                1e-10);
    EXPECT_NEAR(*sharded.result.log[i].irrep_concentration,
                *alone.result.log[i].irrep_concentration, 1e-10);
  }
}

// Over real MPI ranks, W reduced one element x at a time (and M_tau a double at a time) gives
// the summary of
// one process holding all particles and reducing each at once.
TEST(Sharding, ChunkedIrrepReductionsAcrossRanksEqualOneProcess) {
  boost::mpi::communicator world;
  const core::Group g = core::make_group("alternating:4");
  const core::IrrepSet irreps(g);
  const std::int64_t q = 37;
  const auto all = core::init_particles<double>(g.order(), q, core::ShardRange{0, q}, 0.4, 5);
  const Eigen::MatrixXd z = all.stacked().array() + 0.1;
  const core::ShardRange mine = core::shard_range(q, world.size(), world.rank());
  const core::IrrepPotentials chunked(irreps, 1);
  // One reduction per x for W, then each M_tau one double at a time.
  ASSERT_GT(chunked.reduction_sizes().size(), static_cast<std::size_t>(g.order()));
  MpiReducer team(world);
  const core::IrrepMpSummary s = chunked.summarize(z.middleRows(mine.offset, mine.count), q, team);
  core::LocalReducer local;
  const core::IrrepMpSummary a = core::IrrepPotentials(irreps).summarize(z, q, local);
  for (int t = 1; t < irreps.size(); ++t) {
    EXPECT_NEAR(s.rho[t], a.rho[t], 1e-12);
    EXPECT_NEAR(s.gap[t], a.gap[t], 1e-12);
    EXPECT_NEAR(s.l[t], a.l[t], 1e-12 * std::max(1.0, std::abs(a.l[t])));
  }
  EXPECT_NEAR(s.concentration, a.concentration, 1e-12);
  EXPECT_NEAR(s.full_loss_sum_from_mps, a.full_loss_sum_from_mps,
              1e-12 * std::abs(a.full_loss_sum_from_mps));
}

TEST(Sharding, SinglePrecisionShardsAgreeToRounding) {
  boost::mpi::communicator world;
  core::RunConfig cfg = z23_config();
  cfg.train.precision = core::Precision::kF32;
  cfg.train.steps = 50;
  core::GroupContextCache cache;
  MpiReducer team(world);
  const core::RunOutcome sharded = core::execute_run(cfg, team, cache);
  if (world.rank() != 0) return;
  core::LocalReducer local;
  const core::RunOutcome alone = core::execute_run(cfg, local, cache);
  EXPECT_LT(rel(sharded.result.log.back().train_loss, alone.result.log.back().train_loss), 1e-4);
}

// Both ends of the Hessian's spectrum, sharded over all ranks, equal the unsharded ones: every
// rank runs the same Lanczos iteration, each product assembled from the shards (Z_7, q = 11).
TEST(Sharding, HessianSpectrumShardedEqualsUnsharded) {
  boost::mpi::communicator world;
  const core::Group g = core::make_group("cyclic:7");
  const core::Split split = core::make_split(g, 0.6, {g.identity()}, 4);
  const core::Head head = core::head_of(core::TrainConfig{}, g);
  const core::ShardRange mine = core::shard_range(11, world.size(), world.rank());
  const auto p = core::init_particles<double>(7, 11, mine, 0.6, 8);
  MpiReducer team(world);
  core::SpectrumOptions o;
  o.k = 5;
  const core::Spectrum sharded = core::hessian_spectrum(p, split.train, team, head, o);
  if (world.rank() != 0) return;
  core::LocalReducer local;
  const auto all = core::init_particles<double>(7, 11, core::ShardRange{0, 11}, 0.6, 8);
  const core::Spectrum alone = core::hessian_spectrum(all, split.train, local, head, o);
  ASSERT_TRUE(sharded.converged && alone.converged);
  ASSERT_EQ(sharded.largest.size(), alone.largest.size());
  for (std::size_t i = 0; i < alone.largest.size(); ++i) {
    EXPECT_LT(std::abs(sharded.largest[i] - alone.largest[i]), 1e-9 * alone.scale) << i;
    EXPECT_LT(std::abs(sharded.smallest[i] - alone.smallest[i]), 1e-9 * alone.scale) << i;
  }
  EXPECT_EQ(sharded.negative, alone.negative);
  EXPECT_EQ(sharded.large, alone.large);
}

}  // namespace
}  // namespace symsweep::distributed
