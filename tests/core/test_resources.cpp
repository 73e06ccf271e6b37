// The resource estimate's structure: what scales with what. (Its accuracy against the peak RSS of
// real trainings is checked in tests/sweeps/test_cli.cpp, against the real binary.)
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "symsweep/core/group.hpp"
#include "symsweep/core/irreps.hpp"
#include "symsweep/core/model.hpp"
#include "symsweep/core/resources.hpp"

namespace symsweep::core {
namespace {

RunConfig config(const std::string& group, std::int64_t width, double fraction) {
  RunConfig c;
  c.group = group;
  c.train.width = width;
  c.data_fraction = fraction;
  return c;
}

TEST(Resources, TaskShapeFollowsTheTask) {
  EXPECT_EQ(task_shape(make_group("cyclic:12")).mp, MpKind::kCharacters);
  EXPECT_EQ(task_shape(make_group("product:2x3")).mp, MpKind::kCharacters);
  EXPECT_EQ(task_shape(make_group("dihedral:2")).mp, MpKind::kCharacters);  // Z_2 x Z_2
  EXPECT_EQ(task_shape(make_group("symmetric:4")).mp, MpKind::kIrreps);
  // D_200: 4 linear characters and 99 of degree 2, found without building irreps.
  const TaskShape d200 = task_shape(make_group("dihedral:200"));
  EXPECT_EQ(d200.mp, MpKind::kIrreps);
  EXPECT_EQ(d200.order, 400);
  EXPECT_EQ(d200.max_degree, 2);
  EXPECT_DOUBLE_EQ(d200.sum_d6, 4.0 + 99.0 * 64.0);
  // Beyond GroupContext::kMaxIrrepOrder: no MPs, unless a run asks for them (potentials = full).
  const Group d1025 = make_group("dihedral:1025");
  EXPECT_EQ(task_shape(d1025).mp, MpKind::kNone);
  EXPECT_EQ(task_shape(d1025).max_degree, 0);
  EXPECT_EQ(task_shape(d1025, true).mp, MpKind::kIrreps);
  EXPECT_EQ(task_shape(d1025, true).max_degree, 2);
}

// The known degrees size a logged step's M_tau accumulators (sum d^6), far below the bound
// from the order alone (the largest divisor d of n with d^2 < n).
TEST(Resources, KnownDegreesSizeTheIrrepMeasurement) {
  const Group s5 = make_group("symmetric:5");
  const RunConfig c = config("symmetric:5", 64, 0.5);
  TaskShape known = task_shape(s5), bounded = known;
  bounded.max_degree = 0;
  bounded.sum_d6 = 0.0;
  const IrrepSet irreps(s5);
  double sum_d6 = 0.0;
  int largest = 0;
  for (const Irrep& r : irreps.irreps()) {
    sum_d6 += std::pow(r.dim, 6.0);
    largest = std::max(largest, r.dim);
  }
  EXPECT_EQ(known.max_degree, largest);
  EXPECT_DOUBLE_EQ(known.sum_d6, sum_d6);
  const double with_degrees = estimate_resources(known, c).memory.measurement;
  const double with_bound = estimate_resources(bounded, c).memory.measurement;
  EXPECT_LT(with_degrees, with_bound);
  // It holds the largest M_tau (d^6 complex numbers), and counts the work of all of them.
  EXPECT_GE(with_degrees, 16.0 * std::pow(largest, 6.0));
  EXPECT_GE(estimate_resources(known, c).measure_flops, 8.0 * 64 * sum_d6);
  EXPECT_LT(estimate_resources(known, c).measure_flops,
            estimate_resources(bounded, c).measure_flops);
}

TEST(Resources, TheTrainingBuffersScaleWithTheShardAndThePrecision) {
  const TaskShape z97{97, MpKind::kCharacters};
  RunConfig c = config("cyclic:97", 1000, 0.5);
  const ResourceEstimate e = estimate_resources(z97, c);
  EXPECT_DOUBLE_EQ(e.train_pairs, std::round(0.5 * 97 * 97));
  // Two q x chunk buffers and the n x chunk outputs, in f32: a chunk of the |T| pairs.
  const auto pairs = static_cast<std::int64_t>(e.train_pairs);
  const auto chunk = static_cast<double>(loss_chunk_pairs(1000, 97, pairs, 4));
  EXPECT_LT(chunk, e.train_pairs / 4);
  EXPECT_DOUBLE_EQ(e.memory.activations, (2.0 * 1000 + 97) * chunk * 4);
  EXPECT_DOUBLE_EQ(e.memory.optimizer, 2.0 * 3 * 1000 * 97 * 4);  // AdamW: two moments
  EXPECT_DOUBLE_EQ(e.memory.gradient, 3.0 * 1000 * 97 * 4);
  EXPECT_GE(e.memory.peak, e.memory.activations + e.memory.optimizer + e.memory.gradient +
                               e.memory.particles + e.memory.task);

  c.train.precision = Precision::kF64;
  const ResourceEstimate f64 = estimate_resources(z97, c);
  EXPECT_DOUBLE_EQ(f64.memory.activations,
                   (2.0 * 1000 + 97) * static_cast<double>(loss_chunk_pairs(1000, 97, pairs, 8)) * 8);
  EXPECT_DOUBLE_EQ(f64.memory.optimizer, 2.0 * e.memory.optimizer);

  c.train.optimizer = Optimizer::kGd;
  EXPECT_EQ(estimate_resources(z97, c).memory.optimizer, 0.0);

  // Four ranks hold a quarter of the particles each (rounded up), but every rank keeps the
  // n x chunk outputs (and a scratch copy for the all-reduce).
  c = config("cyclic:97", 1002, 0.5);
  ExecutionShape team;
  team.ranks = 4;
  const ResourceEstimate shard = estimate_resources(z97, c, team);
  EXPECT_DOUBLE_EQ(shard.memory.activations,
                   (2.0 * 251 + 2 * 97) *
                       static_cast<double>(loss_chunk_pairs(
                           251, 97, static_cast<std::int64_t>(shard.train_pairs), 4)) *
                       4);
  EXPECT_LT(shard.memory.peak, estimate_resources(z97, c).memory.peak / 2.0);
  EXPECT_LT(shard.step_flops, estimate_resources(z97, c).step_flops / 3.0);
}

TEST(Resources, AugmentationGrowsTheTrainingSet) {
  const TaskShape z30{30, MpKind::kCharacters};
  const RunConfig c = config("cyclic:30", 64, 0.1);
  ExecutionShape h3;
  h3.augment_order = 3;
  const double plain = estimate_resources(z30, c).train_pairs;
  const double augmented = estimate_resources(z30, c, h3).train_pairs;
  EXPECT_DOUBLE_EQ(plain, 90.0);
  EXPECT_NEAR(augmented, 900.0 * (1.0 - 0.9 * 0.9 * 0.9), 1e-9);
}

TEST(Resources, CheckpointsAndSavedParticlesGatherTheWholeNetwork) {
  const TaskShape z13{13, MpKind::kCharacters};
  const RunConfig c = config("cyclic:13", 1 << 16, 0.5);
  ExecutionShape team;
  team.ranks = 8;
  const double alone = estimate_resources(z13, c, team).memory.peak;
  team.checkpoints = true;
  const ResourceEstimate ck = estimate_resources(z13, c, team);
  // The whole team's particles and moments (9 q n floats) on every rank, more than the shard.
  EXPECT_GE(ck.memory.checkpoint, 9.0 * (1 << 16) * 13 * 4);
  EXPECT_GT(ck.memory.peak, alone);
  team.checkpoints = false;
  team.save_particles = true;
  EXPECT_GE(estimate_resources(z13, c, team).memory.peak, 24.0 * (1 << 16) * 13);
}

TEST(Resources, MeasurementsOfLargeGroupsCostMoreThanASmallTrainingSet) {
  // Z_4096 at a tiny fraction: the step is cheap, the logged measurement (all n^2 pairs, the
  // monomial potentials: O(q n^3)) is not.
  const TaskShape z{4096, MpKind::kCharacters};
  RunConfig c = config("cyclic:4096", 64, 0.001);
  const ResourceEstimate e = estimate_resources(z, c);
  EXPECT_GT(e.measure_flops, 1000.0 * e.step_flops);
  EXPECT_GT(e.measure_seconds, 60.0);
  // The GroupContext of Z_4096: table, pairs, characters: about 36 n^2 bytes.
  EXPECT_NEAR(e.memory.task, 36.0 * 4096.0 * 4096.0, 1e6);
  EXPECT_DOUBLE_EQ(task_bytes(z), e.memory.task);
  // Logging every step keeps a StepMetrics per step, with rho_kkk.
  c.train.steps = 100000;
  c.train.log_every = 1;
  EXPECT_GT(estimate_resources(z, c).memory.log, 100000.0 * 16 * 4096);
}

TEST(Resources, IrrepMeasurementsHoldTheCubeOfTheOrder) {
  const TaskShape s5{120, MpKind::kIrreps};
  const ResourceEstimate e = estimate_resources(s5, config("symmetric:5", 8, 0.5));
  EXPECT_GE(e.memory.measurement, 8.0 * 120 * 120 * 119);  // the reduction buffer W
  const TaskShape big{400, MpKind::kNone};
  EXPECT_LT(estimate_resources(big, config("dihedral:200", 8, 0.5)).memory.measurement,
            8.0 * 400 * 400 * 399);
}

TEST(Resources, Formatting) {
  EXPECT_EQ(format_bytes(900), "900 B");
  EXPECT_EQ(format_bytes(1536), "1.5 KiB");
  EXPECT_EQ(format_bytes(512.0 * 1048576), "512 MiB");
  EXPECT_EQ(format_bytes(38.2 * 1073741824.0), "38.2 GiB");
  EXPECT_EQ(format_bytes(1023.0 * 1048576), "1023 MiB");
  EXPECT_EQ(format_seconds(0.0002), "0.2 ms");
  EXPECT_EQ(format_seconds(3.4), "3.4 s");
  EXPECT_EQ(format_seconds(150.0), "2.5 min");
  EXPECT_EQ(format_seconds(7200.0), "2 h");
  EXPECT_EQ(format_seconds(3.0 * 86400.0), "3 days");
  MemoryEstimate m;
  m.activations = 10.0 * 1073741824.0;
  m.particles = 1073741824.0;
  m.task = 1000.0;  // under 1 % of the peak: left out
  m.peak = 11.0 * 1073741824.0;
  EXPECT_EQ(describe_memory(m), "activations 10 GiB, particles 1 GiB");
}

}  // namespace
}  // namespace symsweep::core
