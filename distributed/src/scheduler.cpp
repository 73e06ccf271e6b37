#include "symsweep/distributed/scheduler.hpp"

#include <fmt/core.h>
#include <sys/resource.h>

#include <algorithm>
#include <boost/mpi/collectives.hpp>
#include <boost/mpi/status.hpp>
#include <chrono>
#include <map>
#include <thread>

#include "symsweep/core/error.hpp"
#include "symsweep/core/npy.hpp"
#include "symsweep/distributed/mpi_reducer.hpp"
#include "symsweep/distributed/serialization.hpp"

namespace boost::serialization {

template <class Archive>
void serialize(Archive& ar, symsweep::distributed::WorkItem& j, const unsigned int /*version*/) {
  ar & j.id & j.config & j.cost & j.checkpoint_path & j.run_key & j.particles_path &
      j.checkpoint_every_steps &
      j.checkpoint_every_seconds;
}

template <class Archive>
void serialize(Archive& ar, symsweep::distributed::WorkResult& r, const unsigned int /*version*/) {
  ar & r.id & r.outcome & r.ranks & r.warnings & r.resumed_step & r.signal;
}

}  // namespace boost::serialization

namespace symsweep::distributed {

namespace {

// kTagStop: no more work, leave; kTagStopNow: stop the current run early (a signal);
// kTagSignal: an idle team's leader received a stop signal (its number).
enum Tag : int {
  kTagReady = 11,
  kTagResult = 12,
  kTagJob = 13,
  kTagStop = 14,
  kTagStopNow = 15,
  kTagSignal = 16
};

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         1e-6 * static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

}  // namespace

VectorWorkSource::VectorWorkSource(std::vector<WorkItem> jobs) : jobs_(std::move(jobs)) {
  // Largest cost last (popped first); stable so that equal costs keep list order.
  std::reverse(jobs_.begin(), jobs_.end());
  std::stable_sort(jobs_.begin(), jobs_.end(),
                   [](const WorkItem& a, const WorkItem& b) { return a.cost < b.cost; });
}

std::optional<WorkItem> VectorWorkSource::next() {
  if (jobs_.empty()) return std::nullopt;
  WorkItem j = std::move(jobs_.back());
  jobs_.pop_back();
  return j;
}

TeamLayout make_layout(int world_size, int ranks_per_run) {
  TeamLayout l;
  l.world_size = world_size;
  l.ranks_per_run = std::max(1, ranks_per_run);
  if (world_size == 1) {
    l.team_sizes = {1};
    return l;
  }
  for (int left = world_size - 1; left > 0; left -= l.ranks_per_run) {
    l.team_sizes.push_back(std::min(left, l.ranks_per_run));
  }
  return l;
}

int TeamLayout::team_of(int world_rank) const {
  if (world_size == 1) return 0;
  if (world_rank == 0) return -1;
  return (world_rank - 1) / ranks_per_run;
}

int TeamLayout::leader_of(int team) const {
  return world_size == 1 ? 0 : 1 + team * ranks_per_run;
}

WorkResult execute_on_team(const boost::mpi::communicator& team, const WorkItem& job,
                          core::GroupContextCache& cache, const std::function<bool()>& stop_requested) {
  MpiReducer reducer(team);
  WorkResult r;
  r.id = job.id;
  r.ranks = team.size();
  core::RunControl control;
  control.checkpoint_path = job.checkpoint_path;
  control.run_key = job.run_key;
  control.checkpoint_every_steps = job.checkpoint_every_steps;
  control.checkpoint_every_seconds = job.checkpoint_every_seconds;
  control.stop_requested = stop_requested;
  std::string error;
  Eigen::MatrixXd particles;
  const bool save = !job.particles_path.empty();
  try {
    r.outcome = core::execute_run(job.config, reducer, cache, {}, save ? &particles : nullptr,
                                  &control);
    r.warnings = control.warnings;
    r.resumed_step = control.resumed ? control.resumed_step : 0;
  } catch (const InputError& e) {
    // Config errors are raised identically on every rank, before any collective call.
    error = e.what();
  } catch (const std::exception& e) {
    if (team.size() > 1) {
      // Peers may be inside a collective that this rank will never join: abort the job.
      fmt::print(stderr, "symsweep: rank {} (team rank {}): {}; aborting\n",
                 boost::mpi::communicator().rank(), team.rank(), e.what());
      std::fflush(stderr);
      MPI_Abort(MPI_COMM_WORLD, 1);
    }
    error = e.what();
  }
  // The final particles, complete or not at all, before the result goes back to be committed.
  if (save && error.empty() && team.rank() == 0 && r.outcome.status == core::RunStatus::kDone) {
    try {
      core::write_npy(job.particles_path, particles);
    } catch (const std::exception& e) {
      error = fmt::format("its final particles could not be saved: {}", e.what());
    }
  }
  // Agree on failure before anyone leaves: the lowest failing rank's message wins.
  const int mine = error.empty() ? team.size() : team.rank();
  const int first = boost::mpi::all_reduce(team, mine, boost::mpi::minimum<int>());
  if (first < team.size()) {
    boost::mpi::broadcast(team, error, first);
    r.outcome = core::RunOutcome{};
    r.outcome.status = core::RunStatus::kFailed;
    r.outcome.error = error;
  }
  return r;
}

namespace {

/// The master's side of the loop with W > 1: hands out jobs, collects results, and on a signal
/// or an error stops every team before returning.
void run_master(const boost::mpi::communicator& world, WorkSource& source, ResultSink& sink,
                const SchedulerOptions& options, SchedulerReport& report) {
  const TeamLayout& layout = report.layout;
  auto local_signal = [&] { return options.stop_signal ? options.stop_signal() : 0; };
  std::map<int, WorkItem> outstanding;  // team leader -> its job
  std::vector<int> idle;           // leaders waiting for work that may come later
  int active = static_cast<int>(layout.team_sizes.size());
  auto nap = std::chrono::microseconds(50);
  bool stopping = false;
  Clock::time_point stop_time, next_ask = Clock::now();
  auto begin_stop = [&] {
    if (stopping) return;
    // Busy teams stop their runs at the next step (they checkpoint and report back).
    for (const auto& entry : outstanding) world.send(entry.first, kTagStopNow);
    stopping = true;
    stop_time = Clock::now();
  };
  auto fail = [&](const std::string& what) {
    if (report.error.empty()) report.error = what;
    begin_stop();
  };
  // Work for one team that asked for it; false when it stays idle.
  auto dispatch = [&](int leader) {
    if (stopping) {
      world.send(leader, kTagStop);
      --active;
      return true;
    }
    std::optional<WorkItem> job;
    bool later = false;
    try {
      job = source.next();
      later = !job && source.more_later();
    } catch (const std::exception& e) {
      fail(e.what());
      world.send(leader, kTagStop);
      --active;
      return true;
    }
    if (job) {
      world.send(leader, kTagJob, *job);
      outstanding.emplace(leader, std::move(*job));
    } else if (later) {
      return false;
    } else {
      world.send(leader, kTagStop);
      --active;
    }
    return true;
  };

  while (active > 0) {
    if (!stopping) {
      if (const int sig = local_signal()) {
        report.signal = sig;
        begin_stop();
      } else if (options.check) {
        const std::string problem = options.check();
        if (!problem.empty()) fail(problem);
      }
    }
    if (!idle.empty() && (stopping || Clock::now() >= next_ask)) {
      std::vector<int> still;
      for (int leader : idle) {
        if (!dispatch(leader)) still.push_back(leader);
      }
      idle = std::move(still);
      next_ask = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                    std::chrono::duration<double>(options.wait_seconds));
    }
    if (stopping && seconds_since(stop_time) > options.stop_grace_seconds) {
      fmt::print(stderr,
                 "symsweep: rank 0 (master): {} team(s) did not stop within {:g} s of the stop "
                 "request; aborting the job\n",
                 outstanding.size(), options.stop_grace_seconds);
      std::fflush(stderr);
      MPI_Abort(MPI_COMM_WORLD, report.error.empty() ? 75 : 1);
    }
    const auto st = world.iprobe(boost::mpi::any_source, boost::mpi::any_tag);
    if (!st) {
      std::this_thread::sleep_for(nap);
      nap = std::min(nap * 2, std::chrono::microseconds(2000));
      continue;
    }
    nap = std::chrono::microseconds(50);
    const int src = st->source();
    if (st->tag() == kTagSignal) {
      int sig = 0;
      world.recv(src, kTagSignal, sig);
      if (report.signal == 0) report.signal = sig;
      begin_stop();
      continue;
    }
    if (st->tag() == kTagResult) {
      WorkResult r;
      world.recv(src, kTagResult, r);
      if (r.signal != 0 && report.signal == 0) {
        report.signal = r.signal;
        begin_stop();
      }
      // A team told to stop by the master reports the signal that stopped the job.
      if (r.signal == 0 && r.outcome.status == core::RunStatus::kInterrupted) {
        r.signal = report.signal;
      }
      if (report.error.empty()) {
        try {
          sink.accept(outstanding.at(src), r);  // committed before the team gets new work
        } catch (const std::exception& e) {
          fail(e.what());
        }
      }
      outstanding.erase(src);
      ++report.jobs_done;
    } else {
      world.recv(src, kTagReady);
    }
    if (!dispatch(src)) idle.push_back(src);
  }
  // A signal that arrived while an error was already stopping the job still counts.
  if (report.signal == 0) report.signal = local_signal();
  report.stopped = stopping;
}

/// A team's side with W > 1: its leader asks the master for jobs, the team trains them.
void run_team(const boost::mpi::communicator& world, const boost::mpi::communicator& team,
              core::GroupContextCache& cache, const SchedulerOptions& options, SchedulerReport& report) {
  auto local_signal = [&] { return options.stop_signal ? options.stop_signal() : 0; };
  const bool leader = team.rank() == 0;
  // The team's leader also listens for the master's "stop now" while its team trains.
  auto team_stop = [&] {
    if (local_signal() != 0) return true;
    if (leader && world.iprobe(0, kTagStopNow)) {
      world.recv(0, kTagStopNow);
      return true;
    }
    return false;
  };
  if (leader) world.send(0, kTagReady);
  bool told_master = false;
  while (true) {
    int have_job = 0;
    WorkItem job;
    if (leader) {
      // Wait for the master's answer, telling it about a signal that arrives meanwhile.
      auto nap = std::chrono::microseconds(50);
      while (true) {
        const auto st = world.iprobe(0, boost::mpi::any_tag);
        if (!st) {
          if (const int sig = local_signal(); sig != 0 && !told_master) {
            world.send(0, kTagSignal, sig);
            told_master = true;
          }
          std::this_thread::sleep_for(nap);
          nap = std::min(nap * 2, std::chrono::microseconds(2000));
          continue;
        }
        if (st->tag() == kTagStopNow) {  // arrived after the run had already finished
          world.recv(0, kTagStopNow);
          continue;
        }
        if (st->tag() == kTagJob) {
          world.recv(0, kTagJob, job);
          have_job = 1;
        } else {
          world.recv(0, kTagStop);
        }
        break;
      }
    }
    boost::mpi::broadcast(team, have_job, 0);
    if (!have_job) break;
    boost::mpi::broadcast(team, job, 0);
    WorkResult r = execute_on_team(team, job, cache, team_stop);
    r.signal = boost::mpi::all_reduce(team, local_signal(), boost::mpi::maximum<int>());
    if (r.signal != 0) told_master = true;  // the result says so
    if (leader) world.send(0, kTagResult, r);
    ++report.jobs_done;
  }
}

}  // namespace

SchedulerReport run_scheduler(const boost::mpi::communicator& world, WorkSource* source,
                              ResultSink* sink, const SchedulerOptions& options) {
  SchedulerReport report;
  report.layout = make_layout(world.size(), options.ranks_per_run);
  const TeamLayout& layout = report.layout;
  core::GroupContextCache cache;
  auto local_signal = [&] { return options.stop_signal ? options.stop_signal() : 0; };

  if (world.size() == 1) {
    const double cpu0 = cpu_seconds();
    auto stop = [&] { return local_signal() != 0; };
    try {
      while (!stop()) {
        if (options.check) {
          report.error = options.check();
          if (!report.error.empty()) break;
        }
        std::optional<WorkItem> job = source->next();
        if (!job) {
          if (!source->more_later()) break;
          std::this_thread::sleep_for(std::chrono::duration<double>(options.wait_seconds));
          continue;
        }
        sink->accept(*job, execute_on_team(world, *job, cache, stop));
        ++report.jobs_done;
      }
    } catch (const std::exception& e) {
      report.error = e.what();
    }
    report.signal = local_signal();
    report.failed = !report.error.empty();
    report.stopped = report.signal != 0 || report.failed;
    report.master_busy_seconds = cpu_seconds() - cpu0;
    return report;
  }

  const int team_index = layout.team_of(world.rank());
  boost::mpi::communicator team = world.split(team_index < 0 ? 0 : team_index + 1);

  if (world.rank() == 0) {
    if (options.note) {
      std::string sizes;
      for (int s : layout.team_sizes) sizes += (sizes.empty() ? "" : ", ") + std::to_string(s);
      options.note(fmt::format("{} ranks: master + {} team(s) of sizes [{}]", world.size(),
                               layout.team_sizes.size(), sizes));
      if (layout.team_sizes.back() < layout.ranks_per_run) {
        options.note(fmt::format(
            "ranks_per_run = {} does not divide the {} worker ranks: the last team has {} "
            "rank(s) and runs with them",
            layout.ranks_per_run, world.size() - 1, layout.team_sizes.back()));
      }
    }
    const double cpu0 = cpu_seconds();
    run_master(world, *source, *sink, options, report);
    report.master_busy_seconds = cpu_seconds() - cpu0;
  } else {
    run_team(world, team, cache, options, report);
  }
  // Every rank learns how the job ended: stopped, failed, and the signal any rank received.
  int flags[2] = {report.stopped ? 1 : 0, report.error.empty() ? 0 : 1};
  boost::mpi::broadcast(world, flags, 2, 0);
  report.stopped = flags[0] != 0;
  report.failed = flags[1] != 0;
  const int mine = world.rank() == 0 ? report.signal : local_signal();
  report.signal = boost::mpi::all_reduce(world, mine, boost::mpi::maximum<int>());
  return report;
}

}  // namespace symsweep::distributed
