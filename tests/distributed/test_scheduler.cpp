#include <gtest/gtest.h>

#include <boost/mpi/collectives.hpp>
#include <boost/mpi/communicator.hpp>
#include <cmath>
#include <map>

#include "symsweep/distributed/scheduler.hpp"

namespace symsweep::distributed {
namespace {

/// Collects results on the master; counts how often each job id arrives.
class CollectingSink final : public ResultSink {
 public:
  void accept(const WorkItem& job, const WorkResult& result) override {
    EXPECT_EQ(job.id, result.id);
    ++count[result.id];
    results[result.id] = result;
  }
  std::map<std::int64_t, int> count;
  std::map<std::int64_t, WorkResult> results;
};

/// 40 small runs of mixed size (group order, width, steps), in f64.
std::vector<WorkItem> mixed_jobs() {
  const char* groups[] = {"cyclic:5", "cyclic:7", "product:2x3", "cyclic:11", "dihedral:3"};
  std::vector<WorkItem> jobs;
  for (int i = 0; i < 40; ++i) {
    WorkItem j;
    j.id = 1000 + i;
    j.config.group = groups[i % 5];
    j.config.data_fraction = 0.4 + 0.1 * (i % 4);
    j.config.train.width = 8 + 4 * (i % 7);
    j.config.train.steps = 20 + 10 * (i % 3);
    j.config.train.log_every = 10;
    j.config.train.seed = static_cast<std::uint64_t>(i);
    j.config.train.precision = core::Precision::kF64;
    j.cost = core::estimated_cost(j.config, 10);
    jobs.push_back(j);
  }
  return jobs;
}

double rel(double a, double b) { return std::abs(a - b) / std::max(std::abs(b), 1e-300); }

void check_against_alone(const CollectingSink& sink, const std::vector<WorkItem>& jobs) {
  core::GroupContextCache cache;
  core::LocalReducer local;
  for (const WorkItem& j : jobs) {
    const WorkResult& r = sink.results.at(j.id);
    if (r.outcome.status == core::RunStatus::kFailed) continue;
    const core::RunOutcome alone = core::execute_run(j.config, local, cache);
    ASSERT_EQ(r.outcome.result.log.size(), alone.result.log.size()) << j.id;
    const core::StepMetrics& s = r.outcome.result.log.back();
    const core::StepMetrics& a = alone.result.log.back();
    if (r.ranks == 1) {
      // Same arithmetic in the same order: bit for bit.
      EXPECT_EQ(s.train_loss, a.train_loss) << j.id;
      EXPECT_EQ(s.full_loss, a.full_loss) << j.id;
    } else {
      EXPECT_LT(rel(s.train_loss, a.train_loss), 1e-9) << j.id;
      EXPECT_LT(rel(s.full_loss, a.full_loss), 1e-9) << j.id;
    }
    EXPECT_EQ(r.outcome.train_pairs, alone.train_pairs) << j.id;
  }
}

class Scheduler : public ::testing::TestWithParam<int> {};

TEST_P(Scheduler, EveryRunExactlyOnceWithTheResultOfRunningItAlone) {
  boost::mpi::communicator world;
  const std::vector<WorkItem> jobs = mixed_jobs();
  VectorWorkSource source(jobs);
  CollectingSink sink;
  SchedulerOptions opts;
  opts.ranks_per_run = GetParam();
  const SchedulerReport report = run_scheduler(world, &source, &sink, opts);
  if (world.rank() != 0) return;
  EXPECT_EQ(report.jobs_done, 40);
  ASSERT_EQ(sink.count.size(), 40u);
  for (const auto& [id, n] : sink.count) EXPECT_EQ(n, 1) << "job " << id;
  for (const auto& [id, r] : sink.results) {
    EXPECT_EQ(r.outcome.status, core::RunStatus::kDone) << id << ": " << r.outcome.error;
  }
  check_against_alone(sink, jobs);
}

TEST_P(Scheduler, DivergedAndFailedRunsDoNotStopTheSweep) {
  boost::mpi::communicator world;
  std::vector<WorkItem> jobs = mixed_jobs();
  jobs.resize(10);
  jobs[3].config.train.optimizer = core::Optimizer::kGd;
  jobs[3].config.train.lr = 1e7;  // diverges
  jobs[3].config.train.steps = 200;
  jobs[6].config.group = "cyclic:0";  // fails validation on every rank of its team
  VectorWorkSource source(jobs);
  CollectingSink sink;
  SchedulerOptions opts;
  opts.ranks_per_run = GetParam();
  run_scheduler(world, &source, &sink, opts);
  if (world.rank() != 0) return;
  ASSERT_EQ(sink.results.size(), 10u);
  for (const WorkItem& j : jobs) {
    const core::RunOutcome& o = sink.results.at(j.id).outcome;
    if (j.id == jobs[3].id) {
      EXPECT_EQ(o.status, core::RunStatus::kDiverged);
    } else if (j.id == jobs[6].id) {
      EXPECT_EQ(o.status, core::RunStatus::kFailed);
      EXPECT_NE(o.error.find("cyclic:0"), std::string::npos) << o.error;
    } else {
      EXPECT_EQ(o.status, core::RunStatus::kDone) << j.id;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(TeamSizes, Scheduler, ::testing::Values(1, 2));

TEST(TeamLayout, FillsTeamsAndKeepsTheRemainder) {
  EXPECT_EQ(make_layout(1, 4).team_sizes, std::vector<int>({1}));
  EXPECT_EQ(make_layout(5, 2).team_sizes, std::vector<int>({2, 2}));
  EXPECT_EQ(make_layout(6, 2).team_sizes, std::vector<int>({2, 2, 1}));
  EXPECT_EQ(make_layout(3, 4).team_sizes, std::vector<int>({2}));
  const TeamLayout l = make_layout(6, 2);
  EXPECT_EQ(l.team_of(0), -1);
  EXPECT_EQ(l.team_of(1), 0);
  EXPECT_EQ(l.team_of(2), 0);
  EXPECT_EQ(l.team_of(5), 2);
  EXPECT_EQ(l.leader_of(2), 5);
}

TEST(TeamLayout, SourceHandsOutLargestCostFirst) {
  std::vector<WorkItem> jobs(5);
  const double costs[] = {3, 9, 1, 9, 5};
  for (int i = 0; i < 5; ++i) {
    jobs[i].id = i;
    jobs[i].cost = costs[i];
  }
  VectorWorkSource source(jobs);
  std::vector<std::int64_t> order;
  while (auto j = source.next()) order.push_back(j->id);
  EXPECT_EQ(order, std::vector<std::int64_t>({1, 3, 4, 0, 2}));
}

}  // namespace
}  // namespace symsweep::distributed
