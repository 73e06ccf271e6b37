#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>

#include "symsweep/core/checkpoint.hpp"
#include "symsweep/core/run.hpp"

namespace symsweep::core {
namespace {

class Checkpoints : public ::testing::TestWithParam<Precision> {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("symsweep_ckpt_" + std::to_string(::getpid()) + "_" +
            std::to_string(static_cast<int>(GetParam())));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    cfg_.group = "cyclic:11";
    cfg_.data_fraction = 0.5;
    cfg_.train.width = 24;
    cfg_.train.steps = 120;
    cfg_.train.log_every = 25;
    cfg_.train.precision = GetParam();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  /// Runs to the end (or until stopped), returning the outcome and the final particles.
  std::pair<RunOutcome, Eigen::MatrixXd> run(RunControl* control) {
    LocalReducer local;
    Eigen::MatrixXd z;
    RunOutcome o = execute_run(cfg_, local, cache_, {}, &z, control);
    return {o, z};
  }
  RunControl control(std::int64_t every_steps = 0) {
    RunControl c;
    c.checkpoint_path = (dir_ / "run.ckpt").string();
    c.run_key = "key";
    c.checkpoint_every_steps = every_steps;
    return c;
  }
  static std::function<bool()> stop_after(int polls) {
    auto count = std::make_shared<int>(0);
    return [count, polls] { return ++*count >= polls; };
  }

  std::filesystem::path dir_;
  RunConfig cfg_;
  GroupContextCache cache_;
};

void expect_same_run(const RunOutcome& a, const RunOutcome& b) {
  ASSERT_EQ(a.result.log.size(), b.result.log.size());
  for (std::size_t i = 0; i < a.result.log.size(); ++i) {
    EXPECT_EQ(a.result.log[i].step, b.result.log[i].step);
    EXPECT_EQ(a.result.log[i].train_loss, b.result.log[i].train_loss);
    EXPECT_EQ(a.result.log[i].drift.q, b.result.log[i].drift.q);
    EXPECT_EQ(*a.result.log[i].binary_gap, *b.result.log[i].binary_gap);
  }
  EXPECT_EQ(a.result.steps_done, b.result.steps_done);
}

TEST_P(Checkpoints, StoppedRunResumesBitForBit) {
  const auto [whole, z_whole] = run(nullptr);
  RunControl c = control();
  c.stop_requested = stop_after(37);
  const auto [first, z_first] = run(&c);
  EXPECT_EQ(first.status, RunStatus::kInterrupted);
  EXPECT_EQ(first.result.steps_done, 37);
  EXPECT_TRUE(std::filesystem::exists(c.checkpoint_path));
  EXPECT_FALSE(std::filesystem::exists(c.checkpoint_path + ".tmp"));

  RunControl again = control();
  const auto [second, z_second] = run(&again);
  EXPECT_TRUE(again.resumed);
  EXPECT_EQ(again.resumed_step, 37);
  EXPECT_TRUE(again.warnings.empty());
  EXPECT_EQ(second.status, RunStatus::kDone);
  EXPECT_EQ(z_second, z_whole);  // exact, every particle
  expect_same_run(second, whole);
}

TEST_P(Checkpoints, TruncatedCheckpointRestartsFromScratchWithAWarning) {
  const auto [whole, z_whole] = run(nullptr);
  RunControl c = control();
  c.stop_requested = stop_after(50);
  run(&c);
  // Keep 90 % of the file, as DAKOTA's restart test does.
  const auto size = std::filesystem::file_size(c.checkpoint_path);
  std::filesystem::resize_file(c.checkpoint_path, size * 9 / 10);
  RunControl again = control();
  const auto [second, z_second] = run(&again);
  EXPECT_FALSE(again.resumed);
  ASSERT_EQ(again.warnings.size(), 1u);
  EXPECT_NE(again.warnings[0].find("truncated"), std::string::npos) << again.warnings[0];
  EXPECT_EQ(z_second, z_whole);
}

TEST_P(Checkpoints, FlippedByteIsCaughtByTheChecksum) {
  RunControl c = control();
  c.stop_requested = stop_after(20);
  run(&c);
  {
    std::fstream f(c.checkpoint_path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(200);
    f.put('\x5a');
  }
  EXPECT_THROW(load_checkpoint<double>(c.checkpoint_path, "key"), CheckpointError);
  RunControl again = control();
  run(&again);
  EXPECT_FALSE(again.resumed);
  ASSERT_FALSE(again.warnings.empty());
  EXPECT_NE(again.warnings[0].find("checksum"), std::string::npos) << again.warnings[0];
}

TEST_P(Checkpoints, DeletedNewestFallsBackToThePreviousOne) {
  const auto [whole, z_whole] = run(nullptr);
  RunControl c = control(/*every_steps=*/20);
  c.stop_requested = stop_after(70);
  run(&c);  // checkpoints at 20, 40, 60 and at the stop (70): PATH = 70, PATH.prev = 60
  std::filesystem::remove(c.checkpoint_path);
  RunControl again = control();
  const auto [second, z_second] = run(&again);
  EXPECT_TRUE(again.resumed);
  EXPECT_EQ(again.resumed_step, 60);
  EXPECT_EQ(z_second, z_whole);
  expect_same_run(second, whole);
}

TEST_P(Checkpoints, ACheckpointOfAnotherRunIsNotUsed) {
  RunControl c = control();
  c.stop_requested = stop_after(10);
  run(&c);
  RunControl other = control();
  other.run_key = "another";
  run(&other);
  EXPECT_FALSE(other.resumed);
  ASSERT_FALSE(other.warnings.empty());
  EXPECT_NE(other.warnings[0].find("another run"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Precisions, Checkpoints,
                         ::testing::Values(Precision::kF64, Precision::kF32),
                         [](const auto& info) {
                           return std::string(info.param == Precision::kF64 ? "f64" : "f32");
                         });

}  // namespace
}  // namespace symsweep::core
