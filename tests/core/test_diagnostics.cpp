#include <gtest/gtest.h>

#include "symsweep/core/circuits.hpp"
#include "symsweep/core/diagnostics.hpp"
#include "symsweep/core/train.hpp"
#include "tests/core/test_util.hpp"

namespace symsweep::core {
namespace {

TEST(EffectiveDimension, CountsTheDirectionsOfTheCloud) {
  LocalReducer local;
  const int n = 4;
  // Particles on one line: one dimension.
  const Eigen::VectorXd dir = test::random_particles(1, n, 3).row(0).transpose();
  Eigen::MatrixXd line(10, 3 * n);
  for (int j = 0; j < 10; ++j) line.row(j) = (j - 4.5) * dir.transpose();
  EXPECT_NEAR(effective_dimension(line, local), 1.0, 1e-12);
  // Each coordinate axis once: isotropic second moment, 3n dimensions.
  EXPECT_NEAR(effective_dimension(Eigen::MatrixXd::Identity(3 * n, 3 * n), local), 3.0 * n,
              1e-12);
  // Two orthogonal directions with equal weight: two.
  Eigen::MatrixXd two = Eigen::MatrixXd::Zero(2, 3 * n);
  two(0, 0) = 1.0;
  two(1, 5) = -1.0;
  EXPECT_NEAR(effective_dimension(two, local), 2.0, 1e-12);
}

TEST(FrequenciesPerNeuron, SingleFrequencyNeuronsHoldTwoFrequencies) {
  // A cosine neuron of frequency k lives on k and -k.
  const Group g = make_group("cyclic:11");
  const DualGroup dual(g);
  LocalReducer local;
  const Eigen::MatrixXd z = cosine_circuit(g, 3, 1);
  EXPECT_NEAR(frequencies_per_neuron(fourier_coords(z, dual), z.rows(), local), 2.0, 1e-12);
  const Eigen::MatrixXd noise = test::random_particles(20, 11, 2);
  EXPECT_GT(frequencies_per_neuron(fourier_coords(noise, dual), 20, local), 5.0);
}

/// Q, S and C drift of `steps` steps of the flow (gd, no weight decay, f64) with step `eta`.
Drift flow_drift(double eta, std::int64_t steps) {
  const GroupContext task(make_group("cyclic:5"));
  const Split split = make_split(task.group(), 0.6, {0}, 1);
  TrainConfig cfg;
  cfg.width = 8;
  cfg.optimizer = Optimizer::kGd;
  cfg.lr = eta;
  cfg.weight_decay = 0.0;
  cfg.init_scale = 1.0;
  cfg.steps = steps;
  cfg.precision = Precision::kF64;
  cfg.log_every = 0;
  LocalReducer local;
  auto p = init_particles<double>(5, cfg.width, ShardRange{0, cfg.width}, 1.0, 7);
  const TrainResult r = train(task, split, cfg, p, local);
  EXPECT_FALSE(r.diverged);
  return r.log.back().drift;
}

TEST(Conservation, LinearInvariantsHoldUnderTheFlow) {
  const Drift d = flow_drift(0.02, 200);
  EXPECT_LT(d.s, 1e-10);
  EXPECT_LT(d.c, 1e-10);
  EXPECT_GT(d.q, 1e-8);  // Q is not conserved by the Euler steps, only to O(eta^2)
}

TEST(Conservation, HalvingTheStepQuartersTheDriftOfQ) {
  const double full = flow_drift(0.02, 100).q;
  const double half = flow_drift(0.01, 100).q;
  EXPECT_NEAR(full / half, 4.0, 0.8);
}

TEST(Conservation, WeightDecayBreaksTheInvariants) {
  const GroupContext task(make_group("cyclic:5"));
  const Split split = make_split(task.group(), 0.6, {0}, 1);
  TrainConfig cfg;
  cfg.width = 8;
  cfg.optimizer = Optimizer::kGd;
  cfg.lr = 0.02;
  cfg.weight_decay = 0.5;
  cfg.steps = 100;
  cfg.precision = Precision::kF64;
  LocalReducer local;
  auto p = init_particles<double>(5, cfg.width, ShardRange{0, cfg.width}, 1.0, 7);
  const Drift d = train(task, split, cfg, p, local).log.back().drift;
  EXPECT_GT(d.s, 1e-3);
  EXPECT_GT(d.c, 1e-3);
}

}  // namespace
}  // namespace symsweep::core
