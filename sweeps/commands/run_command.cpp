#include "commands/run_command.hpp"

#include <fmt/core.h>
#include <unistd.h>

#include <boost/mpi/collectives.hpp>
#include <algorithm>
#include <boost/serialization/map.hpp>
#include <boost/serialization/string.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "symsweep/core/checkpoint.hpp"
#include "symsweep/core/error.hpp"
#include "symsweep/core/gap.hpp"
#include "symsweep/distributed/mpi_reducer.hpp"
#include "symsweep/distributed/scheduler.hpp"
#include "commands/cli.hpp"
#include "store/jobs.hpp"
#include "spec/limits.hpp"
#include "commands/progress.hpp"
#include "commands/signals.hpp"
#include "spec/spec.hpp"
#include "spec/spec_diff.hpp"
#include "store/store.hpp"
#include "symsweep_git_rev.hpp"

namespace symsweep::sweeps {

namespace {

/// The master's view of the sweep: runs claimed from the store one at a time (so that several
/// jobs share the work), results into the store.
class StoreScheduling final : public distributed::WorkSource, public distributed::ResultSink {
 public:
  StoreScheduling(ResultsStore& store, std::int64_t job_id, const SweepSpec& spec,
                  std::string checkpoint_dir, std::string particles_dir, Provenance provenance,
                  std::int64_t total,
                  std::int64_t already_finished)
      : store_(store),
        job_id_(job_id),
        spec_(spec),
        checkpoint_dir_(std::move(checkpoint_dir)),
        particles_dir_(std::move(particles_dir)),
        provenance_(std::move(provenance)),
        progress_("sweep " + spec.name, total),
        finished_(already_finished) {}

  std::optional<distributed::WorkItem> next() override {
    std::optional<ResultsStore::PendingRun> p = store_.claim_next(job_id_);
    if (!p && recover()) p = store_.claim_next(job_id_);
    if (!p) return std::nullopt;
    ++running_;
    distributed::WorkItem job;
    job.id = p->id;
    job.config = p->config;
    job.cost = p->cost;
    job.run_key = p->config_hash;
    job.checkpoint_path = checkpoint_dir_ + "/" + p->config_hash + ".ckpt";
    job.checkpoint_every_steps = spec_.checkpoint_every_steps;
    job.checkpoint_every_seconds = spec_.checkpoint_every_seconds;
    if (!particles_dir_.empty()) job.particles_path = particles_dir_ + "/" + particles_file(job);
    return job;
  }

  /// Runs of this grid that other live jobs train may still come back (their job may die).
  bool more_later() override {
    recover();
    return store_.held_by_others(job_id_) > 0;
  }

  void accept(const distributed::WorkItem& job, const distributed::WorkResult& r) override {
    for (const std::string& w : r.warnings) fmt::print(stderr, "warning: run {}: {}\n", job.id, w);
    if (r.resumed_step > 0) {
      fmt::print(stderr, "run {} continued from its checkpoint at step {}\n", job.id,
                 r.resumed_step);
    }
    --running_;
    if (r.outcome.status == core::RunStatus::kInterrupted) {
      const int sig = r.signal != 0 ? r.signal : stop_signal();
      store_.mark_interrupted(job.id,
                              std::string("stopped by ") + signal_name(sig) + " at step " +
                                  std::to_string(r.outcome.result.steps_done),
                              job_id_);
      ++interrupted_;
      return;
    }
    Provenance prov = provenance_;
    prov.ranks = r.ranks;
    const bool saved = !job.particles_path.empty() && r.outcome.status == core::RunStatus::kDone;
    if (!store_.write_result(job.id, r.outcome, prov, job_id_,
                             saved ? particles_file(job) : std::string())) {
      fmt::print(stderr,
                 "warning: run {}: its result is not written: another job took the run over "
                 "(this job's heartbeat was older than its lease)\n",
                 job.id);
      return;
    }
    // Committed: the checkpoint is no longer needed.
    core::remove_checkpoints(job.checkpoint_path);
    ++finished_;
    if (r.outcome.status == core::RunStatus::kFailed) {
      ++failed_;
      fmt::print(stderr, "run {} failed: {}\n", job.id, r.outcome.error);
    }
    if (r.outcome.status == core::RunStatus::kDiverged) {
      ++diverged_;
      fmt::print(stderr, "run {} {}\n", job.id, r.outcome.error);
    }
    progress_.update(finished_, fmt::format("running {} failed {} diverged {}", running_, failed_,
                                            diverged_));
  }

  void finish() { progress_.finish(); }

  /// A run's particles file inside the particles directory: named by its config hash, so a
  /// run taken over or retried rewrites the same file and merged databases never collide.
  static std::string particles_file(const distributed::WorkItem& job) {
    return job.run_key + ".npy";
  }
  std::int64_t interrupted() const { return interrupted_; }

 private:
  /// Takes over the runs of dead jobs, at most once a second. True when some came back.
  bool recover() {
    const auto now = std::chrono::steady_clock::now();
    if (now - last_recovery_ < std::chrono::seconds(1)) return false;
    last_recovery_ = now;
    const std::int64_t n = store_.recover_dead_jobs(job_id_, spec_.max_attempts);
    if (n > 0) {
      fmt::print(stderr, "{} run(s) of a dead job are pending again and continue here\n", n);
    }
    return n > 0;
  }

  ResultsStore& store_;
  std::int64_t job_id_;
  const SweepSpec& spec_;
  std::string checkpoint_dir_;
  std::string particles_dir_;  ///< empty: the spec keeps no particles
  Provenance provenance_;
  Progress progress_;
  std::int64_t finished_;
  std::int64_t running_ = 0, failed_ = 0, diverged_ = 0, interrupted_ = 0;
  std::chrono::steady_clock::time_point last_recovery_{};
};

std::string hostname() {
  char buf[256] = {};
  gethostname(buf, sizeof(buf) - 1);
  return buf;
}

/// Reads the spec on rank 0 and broadcasts its text (or the error) to every rank.
std::string read_spec_everywhere(const std::string& path, const boost::mpi::communicator& world) {
  std::string text, error;
  if (world.rank() == 0) {
    std::ifstream in(path);
    if (!in) {
      error = "spec \"" + path + "\": cannot open";
    } else {
      std::stringstream ss;
      ss << in.rdbuf();
      text = ss.str();
    }
  }
  boost::mpi::broadcast(world, error, 0);
  if (!error.empty()) throw InputError(error);
  boost::mpi::broadcast(world, text, 0);
  return text;
}

/// Parses the spec on every rank with the same groups: rank 0 answers the spec's GAP questions
/// (from the database, the cache beside it, or GAP) and sends the answers to the other ranks,
/// which so never need GAP. A bad spec fails on every rank with rank 0's message.
SweepSpec parse_spec_everywhere(const std::string& text, const RunOptions& opts,
                                const boost::mpi::communicator& world) {
  std::optional<SweepSpec> spec;
  std::string error;
  std::map<std::string, std::string> answers;
  if (world.rank() == 0) {
    // --check writes nothing: it uses the user's cache, a job the one beside its database.
    if (!opts.check) core::set_gap_cache_dir(opts.db + ".groups");
    try {
      if (std::filesystem::exists(opts.db)) {
        ResultsStore stored(opts.db, Database::Mode::kReadOnly);
        core::remember_gap_answers(stored.gap_answers());
      }
    } catch (const DatabaseError&) {
      // Reported when the job opens the database to write.
    }
    try {
      spec = parse_spec(text, opts.spec, SpecLimits{opts.max_runs});
    } catch (const InputError& e) {
      error = e.what();
    }
    answers = core::gap_answers();
  }
  boost::mpi::broadcast(world, error, 0);
  if (!error.empty()) throw InputError(error);
  boost::mpi::broadcast(world, answers, 0);
  if (world.rank() != 0) {
    core::remember_gap_answers(answers);
    spec = parse_spec(text, opts.spec, SpecLimits{opts.max_runs});
  }
  return std::move(*spec);
}

}  // namespace

namespace {

/// Keeps the grid points of shard "I/N" (position modulo N equal to I).
void keep_shard(SweepSpec& spec, const std::string& shard) {
  unsigned index = 0, count = 0;
  char slash = 0, extra = 0;
  std::istringstream in(shard);
  if (!(in >> index >> slash >> count) || slash != '/' || count == 0 || index >= count ||
      (in >> extra)) {
    throw InputError("--shard " + shard + ": expected I/N with 0 <= I < N, e.g. 0/4");
  }
  std::vector<PlannedRun> kept;
  for (std::size_t i = index; i < spec.runs.size(); i += count) kept.push_back(spec.runs[i]);
  spec.runs = std::move(kept);
}

}  // namespace

namespace {

/// Refuses a spec whose runs differ from the stored spec of the same sweep name, unless
/// --extend; shows the difference.
void check_spec_unchanged(const std::optional<StoredSweep>& stored, const SweepSpec& spec,
                          const RunOptions& opts) {
  if (!stored || opts.extend) return;
  const std::vector<std::string> diff = settings_diff(stored->spec, spec.text);
  if (diff.empty()) return;
  std::string lines;
  for (const std::string& d : diff) lines += "\n  " + d;
  throw InputError(fmt::format(
      "run: sweep \"{}\" in \"{}\" was run with a different spec (- stored, + {}):{}\n"
      "give the changed spec another [sweep] name, or pass --extend to add its new grid points "
      "to this sweep",
      spec.name, opts.db, opts.spec, lines));
}

std::string plan_line(const PlanCounts& c) {
  std::string extra;
  if (c.recovered > 0) extra += fmt::format(", {} recovered from dead jobs", c.recovered);
  if (c.retried > 0) extra += fmt::format(", {} retried", c.retried);
  std::string line = fmt::format("{} done, {} failed, {} diverged, {} to run{}", c.done,
                                 c.failed, c.diverged, c.to_run, extra);
  if (c.give_up > 0) {
    line += fmt::format(", {} to give up (lost with their job too often)", c.give_up);
  }
  if (c.held > 0) line += fmt::format(", {} held by other live jobs", c.held);
  return line;
}

int check_only(const RunOptions& opts, const SweepSpec& spec) {
  PlanCounts c;
  if (std::filesystem::exists(opts.db)) {
    ResultsStore store(opts.db, Database::Mode::kReadOnly);
    check_spec_unchanged(store.find_sweep(spec.name), spec, opts);
    c = store.plan_counts(spec.runs, 0, spec.max_attempts, opts.retry);
  } else {
    c.to_run = static_cast<std::int64_t>(spec.runs.size());
  }
  fmt::print("{}: sweep \"{}\" is valid: {} runs ({} seeds), {}\n", opts.spec, spec.name,
             spec.runs.size(), spec.seeds.size(), plan_line(c));
  for (const std::string& line : spec.group_selections) fmt::print("  {}\n", line);
  return kExitOk;
}

/// The master's end of a job: says how it ended, releases what it still holds, marks the job
/// ended, and returns the exit code. Never throws: the database may be what failed.
int finish_job(const RunOptions& opts, const SweepSpec& spec, ResultsStore& store,
               StoreScheduling& scheduling, std::optional<Heartbeat>& heartbeat,
               std::int64_t job_id, const distributed::SchedulerReport& report) {
  scheduling.finish();
  heartbeat.reset();
  // After a database error, the clean-up waits only briefly for a lock: the job must end.
  if (report.failed) store.set_writer_wait(1000);
  int code = kExitOk;
  std::string reason;
  // A wait for a lock that a signal ended is a stop by that signal, not a failure.
  const bool busy_by_signal = report.failed && report.signal != 0 &&
                              report.error.find("a stop signal arrived") != std::string::npos;
  try {
    if (report.failed && !busy_by_signal) {
      code = kExitFailure;
      reason = report.error;
      fmt::print(stderr, "symsweep: rank 0 (master): {}; the job stops\n", report.error);
      try {
        const std::int64_t n = store.release_runs(job_id, "the job stopped: " + report.error);
        if (n > 0) fmt::print(stderr, "{} running run(s) are pending again\n", n);
      } catch (const std::exception&) {
        // The same cause, already said: the next job takes the runs over once this one is seen
        // dead (at once on this machine, else after the lease).
        fmt::print(stderr,
                   "its running runs stay with job {} until another job sees it dead and takes "
                   "them over\n",
                   job_id);
      }
    } else if (report.signal != 0) {
      code = kExitStopped;
      reason = std::string("stopped by ") + signal_name(report.signal);
      store.release_runs(job_id, reason);
      const PlanCounts c = store.plan_counts(spec.runs, job_id, spec.max_attempts);
      fmt::print(stderr,
                 "sweep \"{}\" {}: {} running run(s) checkpointed and back to pending; {} done, "
                 "{} to run; run the same command again to continue\n",
                 spec.name, reason, scheduling.interrupted(), c.done, c.to_run);
    } else {
      const PlanCounts c = store.plan_counts(spec.runs, job_id, spec.max_attempts);
      code = c.failed + c.diverged > 0 ? kExitRunsFailed : kExitOk;
      reason = code == kExitOk ? "finished" : "finished with failed or diverged runs";
      fmt::print(stderr, "sweep \"{}\" {}: {}\n", spec.name, reason, plan_line(c));
      if (code == kExitRunsFailed) {
        fmt::print(stderr,
                   "{} failed and {} diverged run(s): `symsweep status --db {}` shows why; "
                   "`--retry failed,diverged` runs them again\n",
                   c.failed, c.diverged, opts.db);
      }
    }
  } catch (const std::exception& e) {
    fmt::print(stderr, "symsweep: rank 0 (master): {}\n", e.what());
    if (code == kExitOk || code == kExitRunsFailed) code = kExitFailure;
    reason = e.what();
  }
  if (auto problem = store.end_job(job_id, code, reason); problem && !report.failed) {
    fmt::print(stderr, "warning: job {} could not be marked ended: {}\n", job_id, *problem);
  }
  std::fflush(stderr);
  return code;
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ",") + s;
  return out;
}

}  // namespace

int run_sweep(const RunOptions& opts, const boost::mpi::communicator& world) {
  install_stop_signals();
  Database::set_wait_interrupt([] { return stop_signal() != 0; });
  const bool master = world.rank() == 0;
  // Validation is identical on every rank, so an error leaves every rank here together.
  SweepSpec spec = parse_spec_everywhere(read_spec_everywhere(opts.spec, world), opts, world);
  if (!opts.shard.empty()) keep_shard(spec, opts.shard);
  const int ranks_per_run = opts.ranks_per_run > 0 ? opts.ranks_per_run : spec.ranks_per_run;
  const double lease = opts.lease_seconds > 0.0 ? opts.lease_seconds : spec.lease_seconds;
  if (master) {
    for (const std::string& w : spec.warnings) fmt::print(stderr, "warning: {}\n", w);
  }

  // Memory is judged on the master alone (the ranks may see different free memory) and the
  // verdict broadcast with the set-up's, so every rank leaves together.
  const std::vector<int> teams = distributed::make_layout(world.size(), ranks_per_run).team_sizes;
  const int smallest_team = *std::min_element(teams.begin(), teams.end());
  auto check_resources = [&] {
    const MemoryLimit limit = memory_limit(opts.max_memory);
    for (const std::string& w : check_spec_resources(spec, smallest_team, limit.bytes,
                                                     limit.source)) {
      fmt::print(stderr, "warning: {}\n", w);
    }
  };

  if (opts.check) {
    if (!master) return kExitOk;
    check_resources();
    return check_only(opts, spec);
  }

  // The master prepares the database and registers the job; every rank learns whether that
  // worked before the scheduler's first collective call.
  std::optional<ResultsStore> store;
  std::optional<Heartbeat> heartbeat;
  std::optional<StoreScheduling> scheduling;
  std::int64_t job_id = 0;
  std::string error;
  int code = kExitOk;
  if (master) {
    try {
      if (on_network_filesystem(opts.db) && !opts.allow_network_fs) {
        throw InputError(fmt::format(
            "run: \"{}\" is on a network file system, where SQLite's locking and WAL are not "
            "safe for several writers: write each job's database to local disk and `symsweep "
            "merge` them, or run one job with many ranks; --allow-network-fs to use it anyway",
            opts.db));
      }
      if (on_network_filesystem(opts.db)) {
        fmt::print(stderr, "warning: {} is on a network file system (--allow-network-fs)\n",
                   opts.db);
      }
      check_resources();
      store.emplace(opts.db, Database::Mode::kReadWrite);
      check_spec_unchanged(store->find_sweep(spec.name), spec, opts);
      const std::int64_t sweep_id = store->upsert_sweep(spec.name, spec.text, spec.hash);
      store->save_gap_answers(core::gap_answers());
      const std::int64_t added = store->add_runs(sweep_id, spec.runs);
      store->plan(spec.runs);
      job_id = store->register_job({sweep_id, world.size(), lease});
      heartbeat.emplace(opts.db, job_id, lease);
      const PlanCounts before = store->plan_counts(spec.runs, job_id, spec.max_attempts,
                                                   opts.retry);
      store->recover_dead_jobs(job_id, spec.max_attempts);
      if (!opts.retry.empty()) {
        store->retry(opts.retry, "retry requested (--retry " + join(opts.retry) + ")");
      }
      fmt::print(stderr, "sweep \"{}\": {} runs ({} new), {}; job {}\n", spec.name,
                 spec.runs.size(), added, plan_line(before), job_id);
      Provenance prov{SYMSWEEP_VERSION, git_rev(), hostname(),
                      distributed::mpi_library_version(), 1};
      const std::string checkpoint_dir =
          opts.checkpoint_dir.empty() ? opts.db + ".checkpoints" : opts.checkpoint_dir;
      std::error_code ec;
      std::filesystem::create_directories(checkpoint_dir, ec);
      if (ec) {
        fmt::print(stderr,
                   "warning: checkpoint directory \"{}\": {}; runs go on without checkpoints\n",
                   checkpoint_dir, ec.message());
      }
      std::string particles;
      if (spec.save_particles) {
        particles = particles_dir(opts.db);
        std::filesystem::create_directories(particles, ec);
        if (ec) {
          throw InputError(fmt::format(
              "[sweep] save_particles: cannot create the particles directory \"{}\": {}",
              particles, ec.message()));
        }
      }
      scheduling.emplace(*store, job_id, spec, checkpoint_dir, particles, prov,
                         static_cast<std::int64_t>(spec.runs.size()),
                         before.done + before.failed + before.diverged);
    } catch (const InputError& e) {
      error = e.what();
      code = kExitUsage;
    } catch (const DatabaseError& e) {
      error = e.what();
      code = kExitDatabase;
    } catch (const std::exception& e) {
      error = e.what();
      code = kExitFailure;
    }
    if (!error.empty()) {
      fmt::print(stderr, "symsweep: {}\n", error);
      heartbeat.reset();
      if (job_id > 0) store->end_job(job_id, code, error);
    }
  }
  boost::mpi::broadcast(world, code, 0);
  if (code != kExitOk) return code;

  distributed::SchedulerOptions sched;
  sched.ranks_per_run = ranks_per_run;
  sched.note = [](const std::string& line) { fmt::print(stderr, "{}\n", line); };
  sched.stop_signal = [] { return stop_signal(); };
  if (master) sched.check = [&] { return heartbeat->problem(); };
  const distributed::SchedulerReport report = distributed::run_scheduler(
      world, master ? &*scheduling : nullptr, master ? &*scheduling : nullptr, sched);

  if (master) code = finish_job(opts, spec, *store, *scheduling, heartbeat, job_id, report);
  boost::mpi::broadcast(world, code, 0);
  return code;
}

}  // namespace symsweep::sweeps
