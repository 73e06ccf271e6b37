#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "symsweep/core/run.hpp"
#include "spec/run_identity.hpp"
#include "store/jobs.hpp"
#include "store/schema.hpp"
#include "store/sqlite.hpp"

namespace symsweep::sweeps {

/// Counts of runs by status.
struct StatusCounts {
  std::int64_t pending = 0, running = 0, done = 0, failed = 0, diverged = 0;
  std::int64_t total() const { return pending + running + done + failed + diverged; }
};

/// What `run` would do with the runs of its grid (the `temp.planned` set), and `--check` says.
struct PlanCounts {
  std::int64_t done = 0, failed = 0, diverged = 0;
  std::int64_t to_run = 0;        ///< pending, recovered from dead jobs, or retried
  std::int64_t recovered = 0;     ///< of to_run: left running by a dead job
  std::int64_t retried = 0;       ///< of to_run: failed or diverged, named by --retry
  std::int64_t give_up = 0;       ///< left running by a dead job, lost too often: to fail
  std::int64_t held = 0;          ///< running in another live job
  std::int64_t running_here = 0;  ///< running in this job
};

/// A sweep as stored: its id and the spec text it was last run with.
struct StoredSweep {
  std::int64_t id = 0;
  std::string spec;
};

/// Provenance written with each finished run.
struct Provenance {
  std::string version, git_rev, host, mpi_library;
  int ranks = 1;
};

/// The results database (SQLite, WAL). The schema's table and column names are a public
/// interface (README). One writer: the sweep's master.
class ResultsStore {
 public:
  /// Opens (creating and migrating when writable) the database at `path`.
  ResultsStore(const std::string& path, Database::Mode mode);

  Database& db() { return db_; }
  /// Writers on this connection wait at most `ms` for a lock from now on (Database).
  void set_writer_wait(int ms) { db_.set_writer_wait(ms); }

  /// GAP's answers this database holds (core/gap.hpp): question -> answer. Empty for a file
  /// from before they were kept.
  std::map<std::string, std::string> gap_answers();
  /// Keeps these answers (an answer already held is left as it is).
  void save_gap_answers(const std::map<std::string, std::string>& answers);

  /// Registers this process as a live job (jobs.hpp's register_job) and returns its id.
  std::int64_t register_job(const JobInfo& info);
  /// Marks the job ended (jobs.hpp's end_job: errors are returned, not thrown).
  std::optional<std::string> end_job(std::int64_t job_id, int exit_code,
                                     const std::string& reason);

  /// The sweep of that name, if any.
  std::optional<StoredSweep> find_sweep(const std::string& name);
  /// Records a sweep (by name; a changed spec replaces the stored text and is kept as a new
  /// version in `sweep_specs`) and returns its id.
  std::int64_t upsert_sweep(const std::string& name, const std::string& spec_text,
                            const std::string& spec_hash);
  /// Inserts runs that are not there yet (by config hash) and links all of them to the sweep,
  /// in one transaction. Returns how many were new.
  std::int64_t add_runs(std::int64_t sweep_id, const std::vector<PlannedRun>& runs);
  /// recover_dead_jobs(0, max_attempts).
  std::int64_t recover_running(int max_attempts);
  /// Jobs other than `my_job` that are dead (heartbeat older than their lease, or process gone
  /// on this machine) are marked dead; every running run not held by a live job goes back to
  /// pending with a `lost` attempt, or to failed once it was lost `max_attempts` times since its
  /// last retry. One transaction; returns how many runs went back to pending.
  std::int64_t recover_dead_jobs(std::int64_t my_job, int max_attempts);

  /// The grid of this job: claims, plan counts and retries consider only these runs (already
  /// added). Per connection.
  void plan(const std::vector<PlannedRun>& runs);
  /// Claims the planned pending run of largest estimated cost for `job_id` in one transaction
  /// (pending -> running, attempts + 1), or nullopt when none is pending.
  struct PendingRun {
    std::int64_t id;
    std::string config_hash;
    core::RunConfig config;
    double cost;
  };
  std::optional<PendingRun> claim_next(std::int64_t job_id);
  /// What would run now: `runs` classified as they stand (see PlanCounts; runs not in the
  /// database yet count as to run), for job `my_job` (0: a job not yet started) with
  /// `--retry` of `retry`. Reads only, so `run --check` and `run` agree.
  PlanCounts plan_counts(const std::vector<PlannedRun>& runs, std::int64_t my_job,
                         int max_attempts, const std::vector<std::string>& retry = {});
  /// Planned runs in one of `states` (failed, diverged) go back to pending, each with a
  /// `retried` attempt carrying `reason`. Returns how many.
  std::int64_t retry(const std::vector<std::string>& states, const std::string& reason);
  /// Planned runs running in a job other than `job_id`.
  std::int64_t held_by_others(std::int64_t job_id);
  /// Every run still running in `job_id` goes back to pending (an `interrupted` attempt that
  /// does not count). Returns how many.
  std::int64_t release_runs(std::int64_t job_id, const std::string& reason);

  /// Status counts for a sweep (or every run when sweep_id is empty).
  StatusCounts counts(std::optional<std::int64_t> sweep_id = std::nullopt);

  /// Pending runs of a sweep: id, config and cost.
  std::vector<PendingRun> pending_runs(std::int64_t sweep_id);
  /// Marks a pending run handed to a team without a job (single-process tools and tests).
  void mark_running(std::int64_t run_id);
  /// Puts a run back to pending without counting the attempt (a clean stop by a signal). Only
  /// while it is running and held by `job_id` (0: any holder); false otherwise.
  bool mark_interrupted(std::int64_t run_id, const std::string& reason, std::int64_t job_id = 0);
  /// Writes a finished run (final values, logged metrics, potentials) in one transaction, only
  /// while it is running and held by `job_id` (0: any holder). False, with nothing written, when
  /// the run is no longer this job's (taken over after this job was declared dead).
  /// `particles_file`: the name of the run's final particles inside particles_dir(db) (already
  /// written), or empty for none.
  bool write_result(std::int64_t run_id, const core::RunOutcome& outcome, const Provenance& p,
                    std::int64_t job_id = 0, const std::string& particles_file = {});

 private:
  static PendingRun pending_from_row(const Statement& s);
  Database db_;
};

/// UTC time as ISO 8601 ("2026-11-23T14:00:00Z").
std::string utc_now();

/// The directory that holds a database's saved particles, DB.particles beside it (absolute);
/// `runs.particles` names a file in it.
std::string particles_dir(const std::string& db);

}  // namespace symsweep::sweeps
