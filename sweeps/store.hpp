#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/run.hpp"
#include "sweeps/sqlite.hpp"

namespace symsweep::sweeps {

/// Current schema version; `ResultsStore` migrates older files forward when it opens them.
inline constexpr int kSchemaVersion = 3;

/// A run as the store knows it before it is trained.
struct PlannedRun {
  std::string config_hash;
  std::string config_json;  ///< canonical JSON of the config (what the hash is of)
  core::RunConfig config;
  int group_order = 0;
  bool abelian = false;
  int augment_order = 1;
  double cost = 0.0;
};

/// Counts of runs by status.
struct StatusCounts {
  std::int64_t pending = 0, running = 0, done = 0, failed = 0, diverged = 0;
  std::int64_t total() const { return pending + running + done + failed + diverged; }
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

  /// Records a sweep (by name; a changed spec replaces the stored text) and returns its id.
  std::int64_t upsert_sweep(const std::string& name, const std::string& spec_text,
                            const std::string& spec_hash);
  /// Inserts runs that are not there yet (by config hash) and links all of them to the sweep,
  /// in one transaction. Returns how many were new.
  std::int64_t add_runs(std::int64_t sweep_id, const std::vector<PlannedRun>& runs);
  /// Runs left `running` by a dead job go back to `pending` (their attempt was counted when
  /// they were handed out), or to `failed` once they have had `max_attempts` attempts.
  /// Returns how many were recovered.
  std::int64_t recover_running(int max_attempts);
  /// Status counts for a sweep (or every run when sweep_id is empty).
  StatusCounts counts(std::optional<std::int64_t> sweep_id = std::nullopt);

  /// Pending runs of a sweep: id, config and cost.
  struct PendingRun {
    std::int64_t id;
    std::string config_hash;
    core::RunConfig config;
    double cost;
  };
  std::vector<PendingRun> pending_runs(std::int64_t sweep_id);
  /// Marks a run handed to a team: status running, attempts + 1, started_at now.
  void mark_running(std::int64_t run_id);
  /// Puts a run back to pending without counting the attempt (a clean stop by a signal).
  void mark_interrupted(std::int64_t run_id, const std::string& reason);
  /// Writes a finished run (final values, logged metrics, potentials) in one transaction.
  void write_result(std::int64_t run_id, const core::RunOutcome& outcome, const Provenance& p);

 private:
  void migrate();
  Database db_;
};

/// Canonical JSON of a run config: fixed key order, numbers in shortest round-trip form, so the
/// same value written as 0.1 or 0.10 (keys in any order) gives the same text.
std::string canonical_config_json(const core::RunConfig& cfg);
/// 128-bit hash (32 hex digits) of a text.
std::string content_hash(const std::string& text);
/// UTC time as ISO 8601 ("2026-11-23T14:00:00Z").
std::string utc_now();

}  // namespace symsweep::sweeps
