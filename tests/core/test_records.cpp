// Round trips of the records that travel, per representation: a field dropped from a
// representation (or from core/fields.hpp's lists) comes back as its default and fails here.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <set>
#include <string>

#include "symsweep/core/checkpoint.hpp"
#include "symsweep/core/fields.hpp"
#include "records.hpp"

namespace symsweep::core {
namespace {

TEST(Records, TheFullStepMetricsDifferFromTheDefaultInEveryField) {
  // The premise of every round trip below: each field of the test record is not its default.
  const StepMetrics full = test::full_step_metrics(), none;
  int scalars = 0, differing = 0;
  visit_step_scalars(full, [&](FieldName f, const auto& value) {
    ++scalars;
    visit_step_scalars(none, [&](FieldName g, const auto& fallback) {
      if constexpr (std::is_same_v<decltype(value), decltype(fallback)>) {
        if (std::string(f.name) == g.name && !(value == fallback)) ++differing;
      }
    });
  });
  EXPECT_EQ(scalars, differing);
  EXPECT_NE(full, none);
}

TEST(Records, FieldNamesAreUnique) {
  std::set<std::string> names, json;
  const StepMetrics metrics;
  visit_step_scalars(metrics, [&](FieldName f, const auto&) {
    EXPECT_TRUE(names.insert(f.name).second) << f.name;
    EXPECT_TRUE(json.insert(f.name).second) << f.name;
    if (f.json_alias != nullptr) {
      EXPECT_TRUE(json.insert(f.json_alias).second) << f.json_alias;
    }
  });
  std::set<std::string> settings;
  const TrainConfig config;
  visit_train_settings(
      [&](const char* name, bool, const auto&) {
        EXPECT_TRUE(settings.insert(name).second) << name;
      },
      config);
}

// The round-trip tests of every representation use full_train_config: a setting left at its
// default there would go unchecked.
TEST(Records, TheFullTrainConfigSetsEverySettingAwayFromItsDefault) {
  const TrainConfig full = test::full_train_config(), defaults;
  visit_train_settings(
      [&](const char* name, bool, const auto& value, const auto& fallback) {
        EXPECT_NE(value, fallback) << name;
      },
      full, defaults);
}

template <typename T>
class CheckpointRecords : public ::testing::Test {};
using Scalars = ::testing::Types<float, double>;
TYPED_TEST_SUITE(CheckpointRecords, Scalars);

TYPED_TEST(CheckpointRecords, EveryFieldOfTheStateAndItsLogSurvivesACheckpoint) {
  using T = TypeParam;
  const auto path = std::filesystem::temp_directory_path() /
                    ("symsweep_records_" + std::to_string(::getpid()) + ".ckpt");
  Particles<T> p;
  p.global_count = 5;
  p.a = Particles<T>::Mat::Random(5, 3);
  p.b = Particles<T>::Mat::Random(5, 3);
  p.c = Particles<T>::Mat::Random(5, 3);
  TrainState<T> s;
  s.step = 77;
  s.wall_seconds = 1.5;
  s.opt.t = 77;
  for (int i = 0; i < 3; ++i) {
    s.opt.m[i] = Particles<T>::Mat::Random(5, 3);
    s.opt.v[i] = Particles<T>::Mat::Random(5, 3);
  }
  s.initial.q = Eigen::VectorXd::Random(5);
  s.initial.s = Eigen::VectorXd::Random(5);
  s.initial.c = Eigen::VectorXd::Random(5);
  s.log = {test::full_step_metrics(1.0), test::full_step_metrics(2.0)};
  s.log[1].test_acc.reset();  // absent values stay absent
  s.log[1].rho_kkk.reset();
  save_checkpoint(path.string(), "key", p, s);
  const auto [q, r] = load_checkpoint<T>(path.string(), "key");
  std::filesystem::remove(path);
  EXPECT_EQ(r.log, s.log);
  EXPECT_EQ(r.step, s.step);
  EXPECT_EQ(r.opt.t, s.opt.t);
  visit_state_rows([&](const char* name, const auto& a, const auto& b) { EXPECT_EQ(a, b) << name; },
                   r, s);
  EXPECT_EQ(q.a, p.a);
  EXPECT_EQ(q.c, p.c);
}

}  // namespace
}  // namespace symsweep::core
