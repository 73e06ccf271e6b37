// The control messages between master and teams carry every field: a run config and an
// outcome survive a Boost.Serialization round trip unchanged.
#include <gtest/gtest.h>

#include <boost/archive/binary_iarchive.hpp>
#include <boost/archive/binary_oarchive.hpp>
#include <sstream>
#include <type_traits>

#include "../core/records.hpp"
#include "symsweep/distributed/scheduler.hpp"
#include "symsweep/distributed/serialization.hpp"

namespace symsweep::distributed {
namespace {

template <typename R>
R round_trip(const R& record) {
  std::stringstream bytes;
  {
    boost::archive::binary_oarchive out(bytes);
    out << record;
  }
  R back{};
  boost::archive::binary_iarchive in(bytes);
  in >> back;
  return back;
}

TEST(Records, ARunConfigSurvivesTheMessage) {
  core::RunConfig c;
  c.group = "dihedral:5";
  c.data_fraction = 0.375;
  c.augment = "order:2";
  c.train = test::full_train_config();
  EXPECT_EQ(round_trip(c), c);
}

TEST(Records, AnOutcomeSurvivesTheMessage) {
  core::RunOutcome o;
  o.status = core::RunStatus::kDiverged;
  o.error = "diverged at step 3: train_loss became inf";
  o.result.log = {test::full_step_metrics(1.0), test::full_step_metrics(3.0)};
  o.result.diverged = true;
  o.result.diverged_reason = o.error;
  o.result.interrupted = true;
  o.result.steps_done = 3;
  o.result.wall_seconds = 0.25;
  o.result.kappa = 2;
  o.group_order = 10;
  o.abelian = true;
  o.augment_order = 2;
  o.train_pairs = 50;
  o.sampled_pairs = 25;
  const core::RunOutcome b = round_trip(o);
  EXPECT_EQ(b.status, o.status);
  EXPECT_EQ(b.error, o.error);
  EXPECT_EQ(b.result.log, o.result.log);
  EXPECT_EQ(b.result.diverged, o.result.diverged);
  EXPECT_EQ(b.result.diverged_reason, o.result.diverged_reason);
  EXPECT_EQ(b.result.interrupted, o.result.interrupted);
  EXPECT_EQ(b.result.steps_done, o.result.steps_done);
  EXPECT_EQ(b.result.wall_seconds, o.result.wall_seconds);
  EXPECT_EQ(b.result.kappa, o.result.kappa);
  EXPECT_EQ(b.group_order, o.group_order);
  EXPECT_EQ(b.abelian, o.abelian);
  EXPECT_EQ(b.augment_order, o.augment_order);
  EXPECT_EQ(b.train_pairs, o.train_pairs);
  EXPECT_EQ(b.sampled_pairs, o.sampled_pairs);
}

}  // namespace
}  // namespace symsweep::distributed

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
// The scheduler's former names (README, "Names").
static_assert(std::is_same_v<symsweep::distributed::Job, symsweep::distributed::WorkItem>);
static_assert(std::is_same_v<symsweep::distributed::JobResult, symsweep::distributed::WorkResult>);
static_assert(std::is_same_v<symsweep::distributed::JobSource, symsweep::distributed::WorkSource>);
#pragma GCC diagnostic pop
