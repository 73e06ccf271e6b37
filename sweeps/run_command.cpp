#include "sweeps/run_command.hpp"

#include <fmt/core.h>
#include <unistd.h>

#include <boost/mpi/collectives.hpp>
#include <boost/serialization/string.hpp>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "core/checkpoint.hpp"
#include "core/error.hpp"
#include "distributed/mpi_reducer.hpp"
#include "distributed/scheduler.hpp"
#include "sweeps/cli.hpp"
#include "sweeps/progress.hpp"
#include "sweeps/signals.hpp"
#include "sweeps/spec.hpp"
#include "sweeps/store.hpp"

namespace symsweep::sweeps {

namespace {

/// The master's view of the sweep: pending runs from the store, results into the store.
class StoreScheduling final : public distributed::JobSource, public distributed::ResultSink {
 public:
  StoreScheduling(ResultsStore& store, std::vector<ResultsStore::PendingRun> pending,
                  Provenance provenance, std::int64_t total, std::int64_t already_done,
                  const SweepSpec& spec, std::string checkpoint_dir)
      : store_(store),
        spec_(spec),
        checkpoint_dir_(std::move(checkpoint_dir)),
        pending_(std::move(pending)),
        provenance_(std::move(provenance)),
        progress_("sweep " + spec.name, total),
        finished_(already_done) {}

  std::optional<distributed::Job> next() override {
    if (next_ >= pending_.size()) return std::nullopt;
    const auto& p = pending_[next_++];
    store_.mark_running(p.id);
    ++running_;
    distributed::Job job;
    job.id = p.id;
    job.config = p.config;
    job.cost = p.cost;
    job.run_key = p.config_hash;
    job.checkpoint_path = checkpoint_dir_ + "/" + p.config_hash + ".ckpt";
    job.checkpoint_every_steps = spec_.checkpoint_every_steps;
    job.checkpoint_every_seconds = spec_.checkpoint_every_seconds;
    return job;
  }

  void accept(const distributed::Job& job, const distributed::JobResult& r) override {
    for (const std::string& w : r.warnings) {
      fmt::print(stderr, "warning: run {}: {}; it starts again from the beginning\n", job.id, w);
    }
    if (r.resumed_step > 0) {
      fmt::print(stderr, "run {} continued from its checkpoint at step {}\n", job.id,
                 r.resumed_step);
    }
    --running_;
    if (r.outcome.status == core::RunStatus::kInterrupted) {
      store_.mark_interrupted(job.id, std::string("stopped by ") + signal_name(stop_signal()) +
                                          " at step " +
                                          std::to_string(r.outcome.result.steps_done));
      ++interrupted_;
      return;
    }
    Provenance prov = provenance_;
    prov.ranks = r.ranks;
    store_.write_result(job.id, r.outcome, prov);
    // Committed: the checkpoint is no longer needed.
    core::remove_checkpoints(job.checkpoint_path);
    ++finished_;
    if (r.outcome.status == core::RunStatus::kFailed) {
      ++failed_;
      fmt::print(stderr, "run {} failed: {}\n", job.id, r.outcome.error);
    }
    if (r.outcome.status == core::RunStatus::kDiverged) ++diverged_;
    progress_.update(finished_, fmt::format("running {} failed {} diverged {}", running_, failed_,
                                            diverged_));
  }

  void finish() { progress_.finish(); }
  std::int64_t interrupted() const { return interrupted_; }

 private:
  ResultsStore& store_;
  const SweepSpec& spec_;
  std::string checkpoint_dir_;
  std::vector<ResultsStore::PendingRun> pending_;
  std::size_t next_ = 0;
  Provenance provenance_;
  Progress progress_;
  std::int64_t finished_;
  std::int64_t running_ = 0, failed_ = 0, diverged_ = 0, interrupted_ = 0;
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

int run_sweep(const RunOptions& opts, const boost::mpi::communicator& world) {
  install_stop_signals();
  const bool master = world.rank() == 0;
  // Validation is identical on every rank, so an error leaves every rank here together.
  SweepSpec spec = parse_spec(read_spec_everywhere(opts.spec, world), opts.spec);
  if (!opts.shard.empty()) keep_shard(spec, opts.shard);
  const int ranks_per_run = opts.ranks_per_run > 0 ? opts.ranks_per_run : spec.ranks_per_run;
  if (master) {
    for (const std::string& w : spec.warnings) fmt::print(stderr, "warning: {}\n", w);
  }

  if (opts.check) {
    if (!master) return kExitOk;
    std::int64_t done = 0;
    if (std::filesystem::exists(opts.db)) {
      ResultsStore store(opts.db, Database::Mode::kReadOnly);
      for (const PlannedRun& r : spec.runs) {
        Statement s = store.db().prepare("SELECT status FROM runs WHERE config_hash = ?1");
        s.bind(1, r.config_hash);
        if (s.step() && s.text(0) == "done") ++done;
      }
    }
    fmt::print("{}: sweep \"{}\" is valid: {} runs ({} seeds), {} already done, {} to run\n",
               opts.spec, spec.name, spec.runs.size(), spec.seeds.size(), done,
               static_cast<std::int64_t>(spec.runs.size()) - done);
    return kExitOk;
  }

  // The master prepares the database; every rank learns whether that worked before the
  // scheduler's first collective call.
  std::optional<ResultsStore> store;
  std::optional<StoreScheduling> scheduling;
  std::string error;
  if (master) {
    try {
      if (on_network_filesystem(opts.db)) {
        fmt::print(stderr,
                   "warning: {} is on a network file system; SQLite's WAL and locking need a "
                   "local one: write to local disk and `symsweep merge` afterwards\n",
                   opts.db);
      }
      store.emplace(opts.db, Database::Mode::kReadWrite);
      const std::int64_t sweep_id = store->upsert_sweep(spec.name, spec.text, spec.hash);
      const std::int64_t added = store->add_runs(sweep_id, spec.runs);
      const std::int64_t recovered = store->recover_running(spec.max_attempts);
      const StatusCounts c = store->counts(sweep_id);
      fmt::print(stderr,
                 "sweep \"{}\": {} runs ({} new), {} done, {} failed, {} diverged, {} to run{}\n",
                 spec.name, c.total(), added, c.done, c.failed, c.diverged, c.pending,
                 recovered > 0 ? fmt::format(" ({} recovered from a stopped job)", recovered) : "");
      Provenance prov{SYMSWEEP_VERSION, SYMSWEEP_GIT_REV, hostname(),
                      distributed::mpi_library_version(), 1};
      // Checkpoints live beside the database.
      const std::string checkpoint_dir = opts.db + ".checkpoints";
      std::filesystem::create_directories(checkpoint_dir);
      scheduling.emplace(*store, store->pending_runs(sweep_id), prov, c.total(),
                         c.done + c.failed + c.diverged, spec, checkpoint_dir);
    } catch (const std::exception& e) {
      error = e.what();
    }
  }
  boost::mpi::broadcast(world, error, 0);
  if (!error.empty()) {
    if (master) fmt::print(stderr, "symsweep: {}\n", error);
    return kExitFailure;
  }

  distributed::SchedulerOptions sched;
  sched.ranks_per_run = ranks_per_run;
  sched.note = [](const std::string& line) { fmt::print(stderr, "{}\n", line); };
  sched.stop_requested = [] { return stop_signal() != 0; };
  const distributed::SchedulerReport report = distributed::run_scheduler(
      world, master ? &*scheduling : nullptr, master ? &*scheduling : nullptr, sched);
  if (!master) return report.stopped ? kExitStopped : kExitOk;
  scheduling->finish();
  if (report.stopped) {
    const StatusCounts c = store->counts();
    fmt::print(stderr,
               "sweep \"{}\" stopped by {}: {} running run(s) checkpointed and back to pending; "
               "{} done, {} pending; run the same command again to continue\n",
               spec.name, signal_name(stop_signal()), scheduling->interrupted(), c.done,
               c.pending);
    return kExitStopped;
  }
  const StatusCounts c = store->counts();
  fmt::print(stderr, "sweep \"{}\" finished: {} done, {} failed, {} diverged, {} pending\n",
             spec.name, c.done, c.failed, c.diverged, c.pending);
  return kExitOk;
}

}  // namespace symsweep::sweeps
