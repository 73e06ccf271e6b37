// The former public names still name the same types (README, "Names"): code written against
// them keeps compiling, with a deprecation warning.
#include <gtest/gtest.h>

#include <type_traits>

#include "symsweep/core/run.hpp"
#include "symsweep/core/train.hpp"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
static_assert(std::is_same_v<symsweep::core::Task, symsweep::core::GroupContext>);
static_assert(std::is_same_v<symsweep::core::TaskCache, symsweep::core::GroupContextCache>);
static_assert(std::is_same_v<symsweep::core::RunResult, symsweep::core::TrainResult>);
#pragma GCC diagnostic pop

namespace symsweep::core {
namespace {

TEST(Names, ParticlesCountTheWholeNetworkAndTheirShard) {
  // global_count is q of the whole network; local_count() the rows this shard holds.
  const auto p = init_particles<double>(5, 10, shard_range(10, 3, 1), 0.3, 7);
  EXPECT_EQ(p.global_count, 10);
  EXPECT_EQ(p.local_count(), shard_range(10, 3, 1).count);
  EXPECT_LT(p.local_count(), p.global_count);
}

}  // namespace
}  // namespace symsweep::core
