// The model settings of docs/model.md ("Parametrizations", "Losses", "Optimisers"): each loss
// under each parametrization against central differences, the MPs' scale under a
// parametrization other than mean-field (the loss identity holds for centred-mse with the
// scaled MPs, and only there), the initial laws, and the settings' validation.
#include <gtest/gtest.h>

#include <cmath>

#include "symsweep/core/error.hpp"
#include "symsweep/core/model.hpp"
#include "symsweep/core/potentials.hpp"
#include "symsweep/core/train.hpp"
#include "tests/core/test_util.hpp"

namespace symsweep::core {
namespace {

double train_loss(const Particles<double>& p, const Samples& s, const Head& head) {
  LocalReducer local;
  return evaluate(p, s, local, head).loss;
}

// dH/dw of every weight against (H(w + h) - H(w - h)) / 2h, f64: every loss under every
// parametrization (each preset's gain on this shape, and a custom one).
TEST(Heads, EveryLossAndParametrizationHasTheGradientOfItsLoss) {
  const Group g = make_group("cyclic:5");
  const int n = 5;
  const Split split = make_split(g, 0.6, {g.identity()}, 2);
  LocalReducer local;
  for (const Parametrization par : {Parametrization::kMeanField, Parametrization::kStandard,
                                    Parametrization::kGromov, Parametrization::kCustom}) {
    // The mse losses also on a partial task (targets projected onto frequencies +-1, +-2).
    for (const auto& [loss, targets] :
         {std::pair{Loss::kCentredMse, ""}, std::pair{Loss::kMse, ""},
          std::pair{Loss::kCrossEntropy, ""}, std::pair{Loss::kCentredMse, "1-2"},
          std::pair{Loss::kMse, "2"}}) {
      TrainConfig cfg;
      cfg.width = 6;
      cfg.parametrization = par;
      if (par == Parametrization::kCustom) cfg.input_multiplier = 1.7, cfg.output_multiplier = 0.3;
      cfg.loss = loss;
      cfg.target_frequencies = targets;
      SCOPED_TRACE(std::string(to_string(par)) + " " + to_string(loss) + " targets " + targets);
      const Head head = head_of(cfg, g);
      if (!cfg.target_frequencies.empty()) {
        ASSERT_NE(head.targets, nullptr);
      }
      Particles<double> p = init_particles<double>(n, 6, ShardRange{0, 6}, 0.5, 4);
      Workspace<double> ws;
      Gradient<double> grad;
      const double value = loss_and_gradient(p, split.train, local, ws, grad, head);
      EXPECT_NEAR(value, train_loss(p, split.train, head), 1e-13 * std::abs(value));
      double err2 = 0.0, norm2 = 0.0;
      Particles<double>::Mat* w[3] = {&p.a, &p.b, &p.c};
      const Particles<double>::Mat* gr[3] = {&grad.a, &grad.b, &grad.c};
      for (int blk = 0; blk < 3; ++blk) {
        for (Eigen::Index j = 0; j < w[blk]->rows(); ++j) {
          for (Eigen::Index i = 0; i < n; ++i) {
            const double keep = (*w[blk])(j, i), h = 1e-5;
            (*w[blk])(j, i) = keep + h;
            const double up = train_loss(p, split.train, head);
            (*w[blk])(j, i) = keep - h;
            const double down = train_loss(p, split.train, head);
            (*w[blk])(j, i) = keep;
            const double numeric = (up - down) / (2 * h);
            err2 += std::pow(numeric - (*gr[blk])(j, i), 2);
            norm2 += std::pow((*gr[blk])(j, i), 2);
          }
        }
      }
      ASSERT_GT(norm2, 0.0);
      EXPECT_LT(std::sqrt(err2 / norm2), 1e-6);
    }
  }
}

// The presets' gains: mean-field's 1/(2nq) formed in the kernels (gain 0) equals gromov's
// (1/sqrt(2n))^2 / q as a function; standard's is 1.
TEST(Heads, ThePresetsGains) {
  TrainConfig cfg;
  cfg.width = 40;
  EXPECT_EQ(cfg.output_gain(7), 0.0);
  cfg.parametrization = Parametrization::kGromov;
  EXPECT_NEAR(cfg.output_gain(7), 1.0 / (2 * 7 * 40), 1e-18);
  cfg.parametrization = Parametrization::kStandard;
  EXPECT_EQ(cfg.output_gain(7), 1.0);
  const Group g = make_group("cyclic:7");
  const auto p = init_particles<double>(7, 40, ShardRange{0, 40}, 0.4, 1);
  const Samples all = all_pairs(g);
  EXPECT_NEAR(train_loss(p, all, Head{}), train_loss(p, all, Head{1.0 / (2 * 7 * 40)}),
              1e-13);
}

// The MPs are reported for the function the network computes: with gain gamma they are those
// of the particles with w_c scaled by kappa = 2 n q gamma, and the loss identity of
// docs/potentials.md then holds for centred-mse under that gain (and fails for mse).
TEST(Heads, TheLossIdentityHoldsWithTheScaledPotentials) {
  const Group g = make_group("cyclic:7");
  const int n = 7;
  const DualGroup dual(g);
  LocalReducer local;
  Eigen::MatrixXd z = test::random_particles(17, n, 5);
  test::center_blocks(z);
  const auto p = particles_from_stacked<double>(z, ShardRange{0, 17});
  const Head head{0.01, Loss::kCentredMse};
  const double kappa = mp_scale(head, n, 17);
  EXPECT_NEAR(kappa, 0.01 * 2 * 7 * 17, 1e-15);
  Eigen::MatrixXd zs = z;
  zs.rightCols(n) *= kappa;
  const MpSummary mp = monomial_potentials(fourier_coords(zs, dual), 17, dual, local);
  const double direct = evaluate(p, all_pairs(g), local, head).loss_sum;
  EXPECT_NEAR(mp.full_loss_sum_from_mps, direct, 1e-10 * direct);
  const double mse = evaluate(p, all_pairs(g), local, Head{0.01, Loss::kMse}).loss_sum;
  EXPECT_GT(std::abs(mp.full_loss_sum_from_mps - mse), 1e-3 * direct);
  // measure() reports exactly those scaled MPs.
  const GroupContext task(g);
  const Split split = make_split(g, 0.5, {g.identity()}, 0);
  const Invariants inv = invariants(z);
  const StepMetrics m = measure(task, split, p, inv, 0, local, true, head);
  ASSERT_TRUE(m.rho_kkk.has_value());
  for (int k = 1; k < n; ++k) {
    EXPECT_NEAR(std::abs((*m.rho_kkk)[k - 1] - mp.rho_kkk[k - 1]), 0.0, 1e-12);
  }
  EXPECT_NEAR(m.full_loss, direct / (n * n), 1e-12 * direct);
}

// Uniform laws: every weight within its layer's bound, the bounds of torch-default, and the
// normal law unchanged from the one-scale init_particles.
TEST(Heads, InitialLaws) {
  TrainConfig cfg;
  cfg.width = 300;
  cfg.init = Init::kTorchDefault;
  EXPECT_NEAR(cfg.input_init_scale(9), 1.0 / 3.0, 1e-15);
  EXPECT_NEAR(cfg.output_init_scale(), 1.0 / std::sqrt(300.0), 1e-15);
  cfg.init = Init::kTorchDefaultConcat;
  EXPECT_NEAR(cfg.input_init_scale(8), 0.25, 1e-15);
  const InitLaw law{true, 0.25, 0.05};
  const auto p = init_particles<double>(8, 300, ShardRange{0, 300}, law, 3);
  EXPECT_LE(p.a.cwiseAbs().maxCoeff(), 0.25);
  EXPECT_LE(p.c.cwiseAbs().maxCoeff(), 0.05);
  EXPECT_GT(p.a.cwiseAbs().maxCoeff(), 0.24);  // 2400 draws reach near the bound
  EXPECT_GT(p.c.cwiseAbs().maxCoeff(), 0.048);
  // U(-s, s) has variance s^2 / 3.
  EXPECT_NEAR(p.b.squaredNorm() / static_cast<double>(p.b.size()), 0.25 * 0.25 / 3, 0.002);
  const auto normal = init_particles<double>(8, 30, ShardRange{0, 30}, InitLaw{false, 0.3, 0.3}, 3);
  const auto legacy = init_particles<double>(8, 30, ShardRange{0, 30}, 0.3, 3);
  EXPECT_EQ(normal.a, legacy.a);
  EXPECT_EQ(normal.c, legacy.c);
}

TEST(Heads, SettingsAreValidated) {
  auto rejects = [](const auto& change, const std::string& what) {
    TrainConfig cfg;
    change(cfg);
    try {
      cfg.validate();
      ADD_FAILURE() << "accepted: " << what;
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
    }
  };
  rejects([](TrainConfig& c) { c.momentum = 0.9; }, "momentum");  // adamw has none
  rejects([](TrainConfig& c) { c.optimizer = Optimizer::kSgd, c.momentum = 1.0; }, "momentum");
  rejects([](TrainConfig& c) { c.input_multiplier = 2.0; }, "custom");
  rejects([](TrainConfig& c) {
    c.parametrization = Parametrization::kCustom, c.output_multiplier = -1.0;
  }, "multiplier");
  rejects([](TrainConfig& c) { c.init = Init::kTorchDefault, c.init_scale_out = 0.1; },
          "init_scale_out");
  rejects([](TrainConfig& c) { c.beta2 = 1.0; }, "beta2");
  EXPECT_THROW(parse_setting<Loss>("hinge"), InputError);
  EXPECT_EQ(parse_setting<Loss>("cross-entropy"), Loss::kCrossEntropy);
  EXPECT_EQ(parse_setting<Parametrization>("gromov"), Parametrization::kGromov);
}

}  // namespace
}  // namespace symsweep::core
