// `train --json` carries every metric under its documented key.
#include <gtest/gtest.h>

#include "../core/records.hpp"
#include "commands/train_command.hpp"

namespace symsweep::sweeps {
namespace {

TEST(Records, TheJsonOfAStepHasEveryMetric) {
  const core::StepMetrics m = test::full_step_metrics(1.0);
  const nlohmann::json j = metrics_json(m);
  // The keys named here, not through core/fields.hpp.
  EXPECT_EQ(j.at("step"), m.step);
  EXPECT_EQ(j.at("train_loss"), m.train_loss);
  EXPECT_EQ(j.at("test_loss"), *m.test_loss);
  EXPECT_EQ(j.at("train_acc"), m.train_acc);
  EXPECT_EQ(j.at("test_acc"), *m.test_acc);
  EXPECT_EQ(j.at("full_loss"), m.full_loss);
  EXPECT_EQ(j.at("binary_gap"), *m.binary_gap);
  EXPECT_EQ(j.at("max_offtarget_mp"), *m.max_offtarget_mp);
  EXPECT_EQ(j.at("effective_dim"), m.effective_dim);
  EXPECT_EQ(j.at("frequencies_per_neuron"), *m.frequencies_per_neuron);
  EXPECT_EQ(j.at("drift_q"), m.drift.q);
  EXPECT_EQ(j.at("drift_s"), m.drift.s);
  EXPECT_EQ(j.at("drift_c"), m.drift.c);
  // The former keys, kept as documented aliases.
  EXPECT_EQ(j.at("conservation_drift"), m.drift.q);
  EXPECT_EQ(j.at("conservation_drift_s"), m.drift.s);
  EXPECT_EQ(j.at("conservation_drift_c"), m.drift.c);
  EXPECT_EQ(j.at("off_target_energy"), *m.off_target_energy);
  EXPECT_EQ(j.at("irrep_concentration"), *m.irrep_concentration);
  ASSERT_EQ(j.at("rho_kkk").size(), 2u);
  EXPECT_EQ(j.at("rho_kkk")[1][0], (*m.rho_kkk)[1].real());
  EXPECT_EQ(j.at("rho_kkk")[1][1], (*m.rho_kkk)[1].imag());
  ASSERT_EQ(j.at("irreps").size(), 2u);
  const core::IrrepValue& v = (*m.irreps)[1];
  EXPECT_EQ(j.at("irreps")[1].at("index"), v.index);
  EXPECT_EQ(j.at("irreps")[1].at("dim"), v.dim);
  EXPECT_EQ(j.at("irreps")[1].at("indicator"), v.indicator);
  EXPECT_EQ(j.at("irreps")[1].at("rho"), v.rho);
  EXPECT_EQ(j.at("irreps")[1].at("gap"), v.gap);
  // Absent values are null, never zero.
  core::StepMetrics none = m;
  none.test_acc.reset();
  none.rho_kkk.reset();
  const nlohmann::json k = metrics_json(none);
  EXPECT_TRUE(k.at("test_acc").is_null());
  EXPECT_TRUE(k.at("rho_kkk").is_null());
}

}  // namespace
}  // namespace symsweep::sweeps
