#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "symsweep/core/diagnostics.hpp"
#include "symsweep/core/error.hpp"
#include "symsweep/core/irreps.hpp"
#include "symsweep/core/resources.hpp"
#include "symsweep/core/train.hpp"

namespace symsweep::core {
namespace {

TrainResult run(const char* group, double fraction, TrainConfig cfg, Precision precision) {
  const GroupContext task(make_group(group));
  const Split split = make_split(task.group(), fraction, {task.group().identity()}, cfg.seed);
  LocalReducer local;
  cfg.precision = precision;
  if (precision == Precision::kF32) {
    auto p = init_particles<float>(task.group().order(), cfg.width,
                                   ShardRange{0, cfg.width}, cfg.init_scale, cfg.seed);
    return train(task, split, cfg, p, local);
  }
  auto p = init_particles<double>(task.group().order(), cfg.width, ShardRange{0, cfg.width},
                                  cfg.init_scale, cfg.seed);
  return train(task, split, cfg, p, local);
}

// docs/model.md: AdamW (lr 3e-3, weight decay 0.1, s = 0.3, q = 512) learns Z_23 from half the
// pairs. At 2000 steps test accuracy is 0.92-0.98 depending on the seed (for the PyTorch
// reference too); by 3000 steps every seed we tried is above 0.98.
TEST(Learning, AdamWGeneralisesOnZ23FromHalfThePairs) {
  for (std::uint64_t seed : {0, 1, 2}) {
    TrainConfig cfg;
    cfg.seed = seed;
    cfg.steps = 3000;
    cfg.log_every = 1000;
    const TrainResult r = run("cyclic:23", 0.5, cfg, Precision::kF32);
    ASSERT_FALSE(r.diverged);
    const StepMetrics& last = r.log.back();
    EXPECT_GE(*last.test_acc, 0.95) << "seed " << seed;
    EXPECT_EQ(last.train_acc, 1.0);
    // The symbolic structure forms: every rho_kkk moves from ~0 towards its target 1.
    EXPECT_LT(std::abs(r.log.front().rho_kkk->front()), 0.05);
    for (const auto& rho : *last.rho_kkk) EXPECT_GT(rho.real(), 0.5);
    EXPECT_LT(*last.binary_gap, *r.log.front().binary_gap);
  }
}

TEST(Learning, LogsTheConfiguredSteps) {
  TrainConfig cfg;
  cfg.width = 16;
  cfg.steps = 25;
  cfg.log_every = 10;
  const TrainResult r = run("cyclic:5", 1.0, cfg, Precision::kF64);
  ASSERT_EQ(r.log.size(), 4u);
  EXPECT_EQ(r.log[0].step, 0);
  EXPECT_EQ(r.log[1].step, 10);
  EXPECT_EQ(r.log[2].step, 20);
  EXPECT_EQ(r.log[3].step, 25);
  EXPECT_EQ(r.steps_done, 25);
  // f = 1: there is no test set, so test metrics are null, not copies of the training ones.
  EXPECT_FALSE(r.log.back().test_acc.has_value());
  EXPECT_FALSE(r.log.back().test_loss.has_value());
  EXPECT_NEAR(r.log.back().full_loss, r.log.back().train_loss, 1e-12);
}

// docs/model.md: plain gd without weight decay memorises the training set and does not
// generalise.
TEST(Learning, GradientFlowMemorisesWithoutGeneralising) {
  TrainConfig cfg;
  cfg.width = 64;
  cfg.steps = 200;
  cfg.log_every = 20;
  cfg.optimizer = Optimizer::kGd;
  cfg.lr = 1.0;
  cfg.weight_decay = 0.0;
  cfg.init_scale = 1.0;
  const TrainResult r = run("cyclic:7", 0.7, cfg, Precision::kF64);
  ASSERT_FALSE(r.diverged);
  for (std::size_t i = 1; i < r.log.size(); ++i) {
    EXPECT_LT(r.log[i].train_loss, r.log[i - 1].train_loss) << "step " << r.log[i].step;
  }
  EXPECT_LT(r.log.back().train_loss, 1e-2 * r.log.front().train_loss);
  EXPECT_EQ(r.log.back().train_acc, 1.0);
  EXPECT_LT(*r.log.back().test_acc, 0.5);
}

TEST(Learning, HugeStepIsReportedAsDiverged) {
  TrainConfig cfg;
  cfg.width = 16;
  cfg.steps = 500;
  cfg.optimizer = Optimizer::kGd;
  cfg.lr = 1e6;
  const TrainResult r = run("cyclic:7", 0.5, cfg, Precision::kF32);
  EXPECT_TRUE(r.diverged);
  EXPECT_LT(r.steps_done, 500);
}

TEST(Learning, NonAbelianGroupsReportIrrepPotentials) {
  TrainConfig cfg;
  cfg.width = 16;
  cfg.steps = 5;
  const StepMetrics s3 = run("symmetric:3", 0.5, cfg, Precision::kF64).log.back();
  EXPECT_FALSE(s3.rho_kkk.has_value());  // no characters to index frequencies by
  ASSERT_TRUE(s3.irreps.has_value());
  ASSERT_EQ(s3.irreps->size(), 2u);  // sign and standard: the non-trivial irreps of S_3
  EXPECT_EQ((*s3.irreps)[1].dim, 2);
  EXPECT_TRUE(s3.binary_gap.has_value());
  EXPECT_TRUE(s3.off_target_energy.has_value());
  // D_200 (400 elements, beyond the former limit of 256) has its irrep metrics.
  const StepMetrics d200 = run("dihedral:200", 0.5, cfg, Precision::kF32).log.back();
  ASSERT_TRUE(d200.irreps.has_value());
  EXPECT_EQ(d200.irreps->size(), 3u + 99u);  // the non-trivial linear characters, 99 of degree 2
  EXPECT_TRUE(d200.binary_gap.has_value());
}

// Beyond GroupContext::kMaxIrrepOrder a non-abelian group's metrics are null, never zeros, and
// the note says why and what the irreps would cost; irreps_at_any_order builds them anyway.
TEST(Learning, BeyondTheIrrepLimitTheMetricsAreNullAndTheNoteSaysWhy) {
  const int half = GroupContext::kMaxIrrepOrder / 2 + 1;  // D_half: 2 half > the limit
  const Group g = make_group("dihedral:" + std::to_string(half));
  ASSERT_GT(g.order(), GroupContext::kMaxIrrepOrder);
  EXPECT_FALSE(GroupContext::builds_irreps(g, false));
  EXPECT_TRUE(GroupContext::builds_irreps(g, true));
  EXPECT_FALSE(GroupContext::builds_irreps(make_group("cyclic:4096"), true));  // characters
  const GroupContext task(g);
  ASSERT_EQ(task.irreps(), nullptr);
  // A few pairs keep the measurement cheap; the metrics' presence does not depend on them.
  Split split;
  for (int i = 0; i < 8; ++i) split.train.push(i, 3 * i, g.mul(i, 3 * i));
  for (int i = 8; i < 12; ++i) split.test.push(i, i, g.mul(i, i));
  split.sampled = split.train.size();
  const auto p = init_particles<float>(g.order(), 4, ShardRange{0, 4}, 0.3, 1);
  LocalReducer local;
  const StepMetrics m =
      measure(task, split, p, invariants(p.stacked()), 0, local, true, Head{});
  EXPECT_FALSE(m.irreps.has_value());
  EXPECT_FALSE(m.binary_gap.has_value());
  EXPECT_FALSE(m.off_target_energy.has_value());
  EXPECT_FALSE(m.max_offtarget_mp.has_value());
  EXPECT_TRUE(std::isfinite(m.train_loss));
  const std::string note = irreps_note(task);
  EXPECT_NE(note.find(std::to_string(g.order()) + " elements"), std::string::npos) << note;
  EXPECT_NE(note.find("more than " + std::to_string(GroupContext::kMaxIrrepOrder)),
            std::string::npos)
      << note;
  EXPECT_NE(note.find("potentials = full"), std::string::npos) << note;
  EXPECT_NE(note.find(format_seconds(dixon_cost_estimate(g.order()).seconds)), std::string::npos)
      << note;
  // No note where there are irreps or characters.
  EXPECT_EQ(irreps_note(GroupContext(make_group("symmetric:3"))), "");
  EXPECT_EQ(irreps_note(GroupContext(make_group("cyclic:5"))), "");
}

// The cache builds a context without irreps beyond the limit; a context with irreps is not
// rebuilt when a run asks for them. (Rebuilding one beyond the limit means Dixon's method on
// more than 2048 elements, minutes: not in the suite.)
TEST(Learning, TheContextCacheLeavesOutIrrepsBeyondTheLimitAndKeepsThoseItHas) {
  GroupContextCache cache;
  const std::string spec = "dihedral:" + std::to_string(GroupContext::kMaxIrrepOrder / 2 + 1);
  EXPECT_EQ(cache.get(spec).irreps(), nullptr);
  const GroupContext* small = &cache.get("symmetric:3");
  EXPECT_EQ(&cache.get("symmetric:3", true), small);
  EXPECT_NE(small->irreps(), nullptr);
}

// docs/potentials.md / issue: S_4 with full data, q 512, the AdamW settings above, drives every
// rho_tau above 0.95 within 3000 steps, and the neurons concentrate on single irreps.
TEST(Learning, SymmetricGroupS4ReachesItsSymbolicSolution) {
  TrainConfig cfg;
  cfg.steps = 3000;
  cfg.log_every = 1000;
  const TrainResult r = run("symmetric:4", 1.0, cfg, Precision::kF32);
  ASSERT_FALSE(r.diverged);
  const StepMetrics& first = r.log.front();
  const StepMetrics& last = r.log.back();
  ASSERT_EQ(last.irreps->size(), 4u);  // sign, the 2-dim and the two 3-dim irreps
  for (const IrrepValue& v : *first.irreps) EXPECT_LT(std::abs(v.rho), 0.2) << v.index;
  for (const IrrepValue& v : *last.irreps) EXPECT_GT(v.rho, 0.95) << "irrep " << v.index;
  EXPECT_LT(*last.binary_gap, 0.1);
  EXPECT_GT(*last.irrep_concentration, *first.irrep_concentration);
}

TEST(TrainConfig, RejectsOutOfRangeSettings) {
  auto bad = [](auto mutate) {
    TrainConfig cfg;
    mutate(cfg);
    EXPECT_THROW(cfg.validate(), InputError);
  };
  bad([](TrainConfig& c) { c.width = 0; });
  bad([](TrainConfig& c) { c.lr = -1.0; });
  bad([](TrainConfig& c) { c.lr = 0.0; });
  bad([](TrainConfig& c) { c.weight_decay = -0.1; });
  bad([](TrainConfig& c) { c.init_scale = 0.0; });
  bad([](TrainConfig& c) { c.steps = -5; });
  bad([](TrainConfig& c) { c.log_every = -1; });
  EXPECT_NO_THROW(TrainConfig{}.validate());
  EXPECT_THROW(parse_optimizer("lbfgs"), InputError);
  EXPECT_THROW(parse_precision("f16"), InputError);
}

// potentials = auto measures every rho_{k1 k2 k} while the estimate says it costs at most
// kMaxMeasureSteps training steps, and only rho_kkk beyond; full and diagonal force either.
// What is measured never changes the training, and rho_kkk is the same under every setting.
TEST(Potentials, AutoMeasuresEveryMpOnlyWhileItIsCheap) {
  const int n = 23;
  TrainConfig cfg;
  // The estimate: 4 n^3 f64 products against 6 |T| n f32 ones at twice the rate; an f64 step
  // is twice as long, so half as many steps.
  const std::size_t half = 264;  // f = 0.5 of 529 pairs
  EXPECT_NEAR(potentials_cost_in_steps(cfg, n, half), 4.0 * n * n / (3.0 * half), 1e-12);
  cfg.precision = Precision::kF64;
  EXPECT_NEAR(potentials_cost_in_steps(cfg, n, half), 2.0 * n * n / (3.0 * half), 1e-12);
  cfg.precision = Precision::kF32;
  EXPECT_TRUE(measures_full_potentials(cfg, n, half));
  EXPECT_TRUE(potentials_note(cfg, n, half).empty());
  const std::size_t few = 26;  // f = 0.05: about 27 steps
  EXPECT_FALSE(measures_full_potentials(cfg, n, few));
  EXPECT_NE(potentials_note(cfg, n, few).find("about 27 training steps"), std::string::npos)
      << potentials_note(cfg, n, few);
  cfg.potentials = Potentials::kFull;
  EXPECT_TRUE(measures_full_potentials(cfg, n, few));
  cfg.potentials = Potentials::kDiagonal;
  EXPECT_FALSE(measures_full_potentials(cfg, n, half));
  EXPECT_FALSE(potentials_note(cfg, n, half).empty());

  cfg = TrainConfig{};
  cfg.width = 64;
  cfg.steps = 40;
  cfg.log_every = 20;
  std::vector<TrainResult> runs;
  for (Potentials p : {Potentials::kAuto, Potentials::kFull, Potentials::kDiagonal}) {
    cfg.potentials = p;
    runs.push_back(run("cyclic:23", 0.05, cfg, Precision::kF32));
  }
  const TrainResult& autor = runs[0];
  const TrainResult& full = runs[1];
  const TrainResult& diag = runs[2];
  ASSERT_EQ(autor.log.size(), full.log.size());
  for (std::size_t i = 0; i < full.log.size(); ++i) {
    EXPECT_FALSE(autor.log[i].binary_gap.has_value());
    EXPECT_FALSE(autor.log[i].max_offtarget_mp.has_value());
    EXPECT_FALSE(diag.log[i].binary_gap.has_value());
    ASSERT_TRUE(full.log[i].binary_gap.has_value());
    EXPECT_TRUE(full.log[i].max_offtarget_mp.has_value());
    EXPECT_EQ(autor.log[i].train_loss, full.log[i].train_loss);
    EXPECT_EQ(autor.log[i].test_acc, full.log[i].test_acc);
    ASSERT_TRUE(autor.log[i].rho_kkk && full.log[i].rho_kkk);
    for (std::size_t k = 0; k < full.log[i].rho_kkk->size(); ++k) {
      EXPECT_LT(std::abs((*autor.log[i].rho_kkk)[k] - (*full.log[i].rho_kkk)[k]), 1e-12);
    }
    EXPECT_EQ(autor.log[i].rho_kkk, diag.log[i].rho_kkk);
  }
  // At f = 0.5 auto measures them all.
  cfg.potentials = Potentials::kAuto;
  EXPECT_TRUE(run("cyclic:23", 0.5, cfg, Precision::kF32).log.back().binary_gap.has_value());
}

}  // namespace
}  // namespace symsweep::core
