#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "store/jobs.hpp"
#include "store/sql_sandbox.hpp"
#include "store/sqlite.hpp"
#include "store/store.hpp"

namespace symsweep::sweeps {

/// The read side of a results database: what `status`, `runs`, `show` and `export` read, as
/// plain values or as rows to stream. Nothing here prints or writes.

/// Status counts of the runs of a sweep (or of every run when sweep_id is empty).
StatusCounts count_statuses(Database& db, std::optional<std::int64_t> sweep_id = std::nullopt);

/// A failed run and its error.
struct FailedRun {
  std::int64_t id = 0;
  std::string error;
};

/// One sweep as `status` shows it.
struct SweepStatus {
  std::int64_t id = 0;
  std::string name;
  StatusCounts counts;
  /// Mean wall time of its done runs; none while no run is done.
  std::optional<double> mean_done_wall_seconds;
  /// Its running runs counted by the job that holds them (nullopt: no job); empty without a
  /// jobs table.
  std::vector<std::pair<std::optional<std::int64_t>, std::int64_t>> running_by_job;
  /// Its most recent failed runs, the latest first: by when the run finished, else when its
  /// last attempt stopped.
  std::vector<FailedRun> failed_runs;
};

/// What `status` reports.
struct StatusData {
  bool has_jobs = false;  ///< false for a database from before jobs were recorded
  std::vector<JobRow> jobs;
  std::vector<SweepStatus> sweeps;  ///< in the order they were created
};

/// A result set held in memory.
struct ResultTable {
  std::vector<std::string> columns;
  std::vector<std::vector<SqlValue>> rows;
};

/// One run with what was logged of it.
struct RunRecord {
  std::int64_t id = 0;
  std::vector<std::pair<std::string, SqlValue>> columns;  ///< every column of runs, in order
  std::vector<std::string> sweeps;                        ///< the sweeps it is in, oldest first
  /// Its metrics by step: step, train_loss, test_loss, train_acc, test_acc, binary_gap,
  /// effective_dim.
  ResultTable curve;
  /// The last step that logged potentials, and its potentials by k: k, re, im.
  std::optional<std::int64_t> potentials_step;
  ResultTable potentials;
};

/// The tables `export` writes, each in its natural order.
const std::vector<std::string>& exportable_tables();

/// A reading connection to an existing results database (never created; see
/// open_existing_results for the errors, which name `command` and `flag`), restricted to
/// reading (Database::restrict_to_reading).
class ResultsReader {
 public:
  ResultsReader(const std::string& path, std::string_view command, std::string_view flag);

  /// Jobs, and per sweep its counts, held runs and at most `max_failed_runs` failed runs.
  StatusData status(int max_failed_runs);

  /// The column names of `table`, in the table's order.
  std::vector<std::string> columns(const std::string& table);
  /// `columns` of the runs for which the user's SQL expression `where` holds (every run when
  /// empty), by id, through the sandbox (errors name `what`).
  UserQuery runs(const std::vector<std::string>& columns, const std::string& where,
                 std::string what);
  /// The user's statement `sql` through the sandbox (errors name `what`).
  UserQuery query(const std::string& sql, std::string what);

  /// True when a run has that id.
  bool has_run(std::int64_t id);
  /// The ids of the first `limit` runs (by id) whose config_hash starts with `prefix`.
  std::vector<std::int64_t> runs_with_hash_prefix(const std::string& prefix, int limit);
  /// How many runs have a config_hash that starts with `prefix`.
  std::int64_t count_hash_prefix(const std::string& prefix);
  /// The run `id` (which must exist) with its sweeps, curve and last potentials.
  RunRecord run(std::int64_t id);

  /// The id of the sweep named `name`, if there is one.
  std::optional<std::int64_t> sweep_id(const std::string& name);
  /// The names of every sweep, oldest first.
  std::vector<std::string> sweep_names();
  /// Every row of `table` (one of exportable_tables()), or only those of the sweep `sweep_id`,
  /// in the table's natural order.
  std::unique_ptr<RowSource> table_rows(const std::string& table,
                                        std::optional<std::int64_t> sweep_id);

 private:
  std::unique_ptr<Database> db_;
};

}  // namespace symsweep::sweeps
