// bench_dispatch: the cost of the master/team scheduler itself (distributed::run_scheduler), run
// under mpirun. The master (world rank 0) hands out `--runs` identical small runs from a
// distributed::VectorWorkSource to the teams (ranks 1..W-1, `--ranks-per-run` each) and a
// counting ResultSink takes the results. Rank 0 prints one JSON line on stdout (progress on
// stderr). A benchmark, not a test: it never fails on slowness. See README.md and scaling.sh.
//
// Figures (per round; the JSON has every round and the medians):
//   - wall: the master's wall time of run_scheduler, from a barrier to its return.
//   - compute: the sum over runs of RunOutcome.result.wall_seconds, i.e. core::train's own
//     wall time measured inside the run.
//   - overhead per run = (wall - compute / teams) / runs, the definition. It counts
//     everything that is not training: messages and the master's reaction time, but also the
//     team-side work outside core::train (validating the config, building the split, initial
//     particles, duplicating the team communicator in MpiReducer, agreeing on the status,
//     serialising the result) and any imbalance between the teams at the end.
//   - baseline (when on, teams of one rank): each team rank executes the same share of the runs
//     in a plain loop of distributed::execute_on_team on MPI_COMM_SELF, no master, while the
//     master sleeps. wall - baseline is then what the scheduler alone adds (messages, master
//     latency, the master's commits).
//   - master CPU: SchedulerReport::master_busy_seconds (getrusage of the master's process during
//     the loop), as a share of the master's wall time; also every rank's CPU time during
//     run_scheduler as a share of the master's wall time (`rank_cpu_pct`, rank 0 first) and the
//     runs each rank counted (`rank_runs`: rank 0, the master, counts every result it took).
//   - `--sink-delay-ms D`: the sink sleeps D ms per result, a stand-in for a real commit; the
//     team that sent the result waits meanwhile, and its CPU share shows how it waits.
// Ranks that have nothing to do (the master during the baseline, teams done early) wait in a
// non-blocking barrier polled with 1 ms sleeps, so they leave the cores to the others.

#include <mpi.h>
#include <time.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <boost/mpi/collectives.hpp>
#include <boost/mpi/communicator.hpp>
#include <boost/mpi/environment.hpp>
#include <chrono>
#include <cstdint>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "symsweep/core/blas.hpp"
#include "symsweep/core/run.hpp"
#include "symsweep/distributed/mpi_reducer.hpp"
#include "symsweep/distributed/scheduler.hpp"
#include "tests/bench/bench_util.hpp"

namespace {
using namespace symsweep::bench;

using namespace symsweep;
namespace mpi = boost::mpi;

/// A barrier that does not spin: MPI_Ibarrier polled with 1 ms sleeps.
void sleepy_barrier(const mpi::communicator& comm) {
  MPI_Request req;
  MPI_Ibarrier(comm, &req);
  int done = 0;
  while (MPI_Test(&req, &done, MPI_STATUS_IGNORE), !done) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

/// Counts results and sums the runs' own training time. `delay` stands in for the commit of a
/// real sink (e.g. an SQLite transaction): the team that sent the result waits for it.
class CountingSink final : public distributed::ResultSink {
 public:
  explicit CountingSink(double delay_ms) : delay_(delay_ms) {}
  void accept(const distributed::WorkItem& job, const distributed::WorkResult& r) override {
    if (delay_ > 0.0) std::this_thread::sleep_for(std::chrono::duration<double, std::milli>(delay_));
    if (job.id != r.id) throw std::runtime_error("result id does not match the job");
    ++count;
    ++seen[r.id];
    if (r.outcome.status != core::RunStatus::kDone) ++not_done;
    compute += r.outcome.result.wall_seconds;
  }
  std::int64_t count = 0, not_done = 0;
  std::map<std::int64_t, int> seen;
  double compute = 0.0;

 private:
  double delay_ = 0.0;
};

struct Options {
  int runs = 500;
  std::string group = "cyclic:5";
  std::int64_t width = 8;
  std::int64_t steps = 20;
  double fraction = 0.5;
  std::string precision = "f32";
  std::int64_t log_every = 0;
  int ranks_per_run = 1;
  int rounds = 3;
  double sink_delay_ms = 0.0;
  bool baseline = true;
  std::string label = "tiny";
};

std::vector<distributed::WorkItem> make_jobs(const Options& o) {
  std::vector<distributed::WorkItem> jobs;
  for (int i = 0; i < o.runs; ++i) {
    distributed::WorkItem j;
    j.id = i;
    j.config.group = o.group;
    j.config.data_fraction = o.fraction;
    j.config.train.width = o.width;
    j.config.train.steps = o.steps;
    j.config.train.log_every = o.log_every;
    j.config.train.precision = core::parse_precision(o.precision);
    j.config.train.seed = static_cast<std::uint64_t>(i);
    j.cost = 1.0;  // all alike: handed out in list order
    jobs.push_back(j);
  }
  return jobs;
}

struct Round {
  double wall = 0.0, compute = 0.0, master_cpu = 0.0, baseline = -1.0;
  std::vector<double> rank_cpu;        // CPU seconds of every rank during run_scheduler
  std::vector<std::int64_t> rank_jobs;  // runs done by every rank
};

/// Collective on world: one baseline (if on) and one scheduled execution of all jobs.
Round run_round(const mpi::communicator& world, const Options& o,
                const std::vector<distributed::WorkItem>& jobs) {
  const distributed::TeamLayout layout = distributed::make_layout(world.size(), o.ranks_per_run);
  const int teams = static_cast<int>(layout.team_sizes.size());
  const int team = layout.team_of(world.rank());
  Round round;

  if (o.baseline) {
    // Team t runs jobs t, t + teams, ... alone (teams of one rank), no master in the loop.
    double t = 0.0;
    if (team >= 0) {
      mpi::communicator self(MPI_COMM_SELF, mpi::comm_attach);
      core::GroupContextCache cache;
      sleepy_barrier(world);
      const double t0 = MPI_Wtime();
      for (std::size_t i = static_cast<std::size_t>(team); i < jobs.size(); i += teams) {
        const distributed::WorkResult r = distributed::execute_on_team(self, jobs[i], cache);
        if (r.outcome.status != core::RunStatus::kDone) throw std::runtime_error("run failed");
      }
      t = MPI_Wtime() - t0;
    } else {
      sleepy_barrier(world);
    }
    sleepy_barrier(world);
    mpi::reduce(world, t, round.baseline, mpi::maximum<double>(), 0);
  }

  distributed::VectorWorkSource source(world.rank() == 0 ? jobs : std::vector<distributed::WorkItem>{});
  CountingSink sink(o.sink_delay_ms);
  distributed::SchedulerOptions opts;
  opts.ranks_per_run = o.ranks_per_run;
  sleepy_barrier(world);
  const double c0 = cpu_seconds();
  const double t0 = MPI_Wtime();
  const distributed::SchedulerReport rep = distributed::run_scheduler(world, &source, &sink, opts);
  const double wall = MPI_Wtime() - t0;
  const double cpu = cpu_seconds() - c0;
  sleepy_barrier(world);
  mpi::gather(world, cpu, round.rank_cpu, 0);
  mpi::gather(world, rep.jobs_done, round.rank_jobs, 0);
  if (world.rank() == 0) {
    if (sink.count != o.runs || static_cast<int>(sink.seen.size()) != o.runs || sink.not_done) {
      throw std::runtime_error("the scheduler did not return every run exactly once, done");
    }
    round.wall = wall;
    round.compute = sink.compute;
    round.master_cpu = rep.master_busy_seconds;
  }
  return round;
}

}  // namespace

int main(int argc, char** argv) {
  mpi::environment env(argc, argv);
  mpi::communicator world;
  CLI::App app{"symsweep scheduler dispatch benchmark (run under mpirun)"};
  Options o;
  bool no_baseline = false;
  app.add_option("--runs", o.runs, "number of runs")->check(CLI::Range(1, 1000000))
      ->capture_default_str();
  app.add_option("--group", o.group, "group of every run")->capture_default_str();
  app.add_option("--width", o.width, "q of every run")->capture_default_str();
  app.add_option("--steps", o.steps, "training steps of every run")->capture_default_str();
  app.add_option("--fraction", o.fraction, "data fraction")->capture_default_str();
  app.add_option("--precision", o.precision, "f32 or f64")->capture_default_str();
  app.add_option("--log-every", o.log_every, "0: log only the first and last step")
      ->capture_default_str();
  app.add_option("--ranks-per-run", o.ranks_per_run, "team size")->check(CLI::Range(1, 4096))
      ->capture_default_str();
  app.add_option("--rounds", o.rounds, "repetitions (medians are reported)")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  app.add_option("--sink-delay-ms", o.sink_delay_ms,
                 "the sink sleeps this long per result (a stand-in for a commit)")
      ->check(CLI::Range(0.0, 60000.0))
      ->capture_default_str();
  app.add_flag("--no-baseline", no_baseline, "skip the runs without the scheduler");
  app.add_option("--label", o.label, "name of the variant in the output")->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return world.rank() == 0 ? app.exit(e) : (e.get_exit_code() == 0 ? 0 : 1);
  }
  // The baseline runs each team's share on a single rank: only for teams of one rank.
  o.baseline = !no_baseline && o.ranks_per_run == 1;

  core::set_blas_threads(1);
  try {
    const std::vector<distributed::WorkItem> jobs = make_jobs(o);
    const distributed::TeamLayout layout = distributed::make_layout(world.size(), o.ranks_per_run);
    const int teams = static_cast<int>(layout.team_sizes.size());
    if (world.rank() == 0) {
      std::cerr << "[bench_dispatch] " << o.label << ": " << o.runs << " runs of " << o.group
                << " q " << o.width << " " << o.steps << " steps on " << world.size()
                << " rank(s) (" << teams << " team(s)), " << o.rounds << " round(s)\n";
    }
    // Warm-up: a few runs through the scheduler (first MPI connections, allocations).
    {
      Options w = o;
      w.runs = std::min(o.runs, 2 * teams);
      w.baseline = false;
      run_round(world, w, make_jobs(w));
    }
    std::vector<Round> rounds;
    for (int r = 0; r < o.rounds; ++r) rounds.push_back(run_round(world, o, jobs));
    if (world.rank() != 0) return 0;

    const double runs = o.runs;
    nlohmann::json per = nlohmann::json::array();
    std::vector<double> wall, compute, overhead, master_pct, base, base_overhead, sched_lat;
    for (const Round& r : rounds) {
      const double ov = (r.wall - r.compute / teams) / runs;
      nlohmann::json jr = {{"wall_s", r.wall},
                           {"compute_s", r.compute},
                           {"overhead_per_run_ms", ov * 1e3},
                           {"master_cpu_s", r.master_cpu},
                           {"master_cpu_pct", 100.0 * r.master_cpu / r.wall},
                           {"rank_cpu_pct", nlohmann::json::array()},
                           {"rank_runs", r.rank_jobs}};
      for (double c : r.rank_cpu) jr["rank_cpu_pct"].push_back(100.0 * c / r.wall);
      wall.push_back(r.wall);
      compute.push_back(r.compute);
      overhead.push_back(ov);
      master_pct.push_back(100.0 * r.master_cpu / r.wall);
      if (r.baseline >= 0.0) {
        jr["baseline_wall_s"] = r.baseline;
        jr["scheduler_overhead_per_run_ms"] = (r.wall - r.baseline) / runs * 1e3;
        jr["scheduler_latency_per_team_run_ms"] = (r.wall - r.baseline) * teams / runs * 1e3;
        base.push_back(r.baseline);
        base_overhead.push_back((r.wall - r.baseline) / runs);
        sched_lat.push_back((r.wall - r.baseline) * teams / runs);
      }
      per.push_back(jr);
    }
    nlohmann::json j;
    j["bench"] = "dispatch";
    j["label"] = o.label;
    j["runs"] = o.runs;
    j["group"] = o.group;
    j["q"] = o.width;
    j["steps"] = o.steps;
    j["f"] = o.fraction;
    j["precision"] = o.precision;
    j["log_every"] = o.log_every;
    j["sink_delay_ms"] = o.sink_delay_ms;
    j["world"] = world.size();
    j["ranks_per_run"] = o.ranks_per_run;
    j["teams"] = teams;
    j["rounds"] = o.rounds;
    j["wall_s"] = median(wall);
    j["compute_s"] = median(compute);  // sum over runs of the runs' own wall_seconds
    j["compute_per_run_ms"] = median(compute) / runs * 1e3;
    j["overhead_per_run_ms"] = median(overhead) * 1e3;  // (wall - compute/teams) / runs
    j["master_cpu_pct"] = median(master_pct);            // master CPU / master wall
    if (!base.empty()) {
      j["baseline_wall_s"] = median(base);
      j["scheduler_overhead_per_run_ms"] = median(base_overhead) * 1e3;  // (wall - baseline)/runs
      j["scheduler_latency_per_team_run_ms"] = median(sched_lat) * 1e3;  // x teams
    }
    j["per_round"] = per;
    j["mpi"] = distributed::mpi_library_version();
    j["git_rev"] = SYMSWEEP_GIT_REV;
    std::cout << j.dump() << std::endl;
  } catch (const std::exception& e) {
    std::cerr << "bench_dispatch (rank " << world.rank() << "): " << e.what() << "\n";
    MPI_Abort(MPI_COMM_WORLD, 1);
  }
  return 0;
}
