#pragma once

// Records with every field set to a distinct value that is not its default, written out field
// by field here and not through core/fields.hpp: a representation that drops a field reads it
// back as its default, and the defaulted operator== of the record sees it.

#include <complex>
#include <vector>

#include "symsweep/core/train.hpp"

namespace symsweep::test {

inline core::StepMetrics full_step_metrics(double base = 1.0) {
  core::StepMetrics m;
  m.step = 4242;
  m.train_loss = base + 0.125;
  m.train_acc = 0.25;
  m.test_loss = base + 0.375;
  m.test_acc = 0.5;
  m.full_loss = base + 0.625;
  m.rho_kkk = std::vector<std::complex<double>>{{0.75, -0.125}, {0.875, 0.0625}};
  m.irreps = std::vector<core::IrrepValue>{{1, 2, -1, 0.3125, 0.4375}, {2, 3, 0, 0.5625, 0.6875}};
  m.max_offtarget_mp = 0.0078125;
  m.binary_gap = 0.015625;
  m.frequencies_per_neuron = 1.5;
  m.off_target_energy = 0.03125;
  m.irrep_concentration = 0.9375;
  m.hessian_negative = 3.0;
  m.hessian_large = 7.0;
  m.hessian_max = 1.5 * base;
  m.hessian_min = -0.0625 * base;
  m.hessian_negative_est = 41.5;
  m.hessian_negative_se = 2.25;
  m.hessian_large_est = 1234.5;
  m.hessian_large_se = 17.75;
  m.hessian_eff_dim = 987.25 + base;
  m.effective_dim = 7.25;
  m.drift = core::Drift{1e-3, 2e-3, 3e-3};
  return m;
}

inline core::TrainConfig full_train_config() {
  core::TrainConfig t;
  t.width = 96;
  t.optimizer = core::Optimizer::kGd;
  t.lr = 0.0123;
  t.weight_decay = 0.0456;
  t.init_scale = 0.789;
  t.steps = 321;
  t.precision = core::Precision::kF64;
  t.log_every = 7;
  t.seed = 99;
  t.beta1 = 0.8;
  t.beta2 = 0.99;
  t.adam_eps = 1e-7;
  t.parametrization = core::Parametrization::kCustom;
  t.input_multiplier = 1.5;
  t.output_multiplier = 0.25;
  t.init = core::Init::kUniform;
  t.init_scale_out = 0.125;
  t.loss = core::Loss::kMse;
  t.momentum = 0.5;
  t.potentials = core::Potentials::kDiagonal;
  t.target_frequencies = "1,3-4";
  t.spectrum_every = 50;
  t.spectrum_k = 5;
  return t;
}

}  // namespace symsweep::test
