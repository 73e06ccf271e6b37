#include "store/queries.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <iterator>

#include "store/open_database.hpp"

namespace symsweep::sweeps {

namespace {

/// The tables of `export`, each with its natural order.
struct ExportTable {
  const char* name;
  const char* order;
};
constexpr ExportTable kExportTables[] = {{"runs", "id"},
                                         {"metrics", "run_id, step"},
                                         {"potentials", "run_id, step, k"},
                                         {"fits", "id"},
                                         {"sweeps", "id"},
                                         {"attempts", "run_id, attempt, rowid"}};

}  // namespace

StatusCounts count_statuses(Database& db, std::optional<std::int64_t> sweep_id) {
  Statement s = db.prepare(
      sweep_id ? "SELECT status, count(*) FROM runs JOIN sweep_runs ON sweep_runs.run_id = runs.id "
                 "WHERE sweep_runs.sweep_id = ?1 GROUP BY status"
               : "SELECT status, count(*) FROM runs GROUP BY status");
  if (sweep_id) s.bind(1, *sweep_id);
  StatusCounts c;
  while (s.step()) {
    const std::string st = s.text(0);
    const std::int64_t n = s.integer(1);
    if (st == "pending") c.pending = n;
    if (st == "running") c.running = n;
    if (st == "done") c.done = n;
    if (st == "failed") c.failed = n;
    if (st == "diverged") c.diverged = n;
  }
  return c;
}

const std::vector<std::string>& exportable_tables() {
  static const std::vector<std::string> kNames = [] {
    std::vector<std::string> names;
    for (const ExportTable& t : kExportTables) names.emplace_back(t.name);
    return names;
  }();
  return kNames;
}

ResultsReader::ResultsReader(const std::string& path, std::string_view command,
                             std::string_view flag)
    : db_(open_existing_results(path, command, flag)) {
  db_->restrict_to_reading();
}

StatusData ResultsReader::status(int max_failed_runs) {
  Database& db = *db_;
  StatusData data;
  Statement jobs_table =
      db.prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'jobs'");
  jobs_table.step();
  data.has_jobs = jobs_table.integer(0) > 0;
  if (data.has_jobs) data.jobs = list_jobs(db);

  Statement sel = db.prepare("SELECT id, name FROM sweeps ORDER BY id");
  Statement wall = db.prepare(
      "SELECT avg(wall_seconds), count(wall_seconds) FROM runs "
      "JOIN sweep_runs ON sweep_runs.run_id = runs.id "
      "WHERE sweep_runs.sweep_id = ?1 AND status = 'done'");
  Statement errors = db.prepare(
      "SELECT runs.id, coalesce(error, '') FROM runs "
      "JOIN sweep_runs ON sweep_runs.run_id = runs.id "
      "WHERE sweep_runs.sweep_id = ?1 AND status = 'failed' "
      "ORDER BY coalesce(finished_at, (SELECT max(stopped_at) FROM attempts "
      "WHERE attempts.run_id = runs.id), started_at, '') DESC, runs.id DESC LIMIT ?2");
  std::optional<Statement> held;
  if (data.has_jobs) {
    held.emplace(db.prepare(
        "SELECT runs.job_id, count(*) FROM runs JOIN sweep_runs ON sweep_runs.run_id = runs.id "
        "WHERE sweep_runs.sweep_id = ?1 AND status = 'running' GROUP BY 1"));
  }
  while (sel.step()) {
    SweepStatus s;
    s.id = sel.integer(0);
    s.name = sel.text(1);
    s.counts = count_statuses(db, s.id);
    wall.bind(1, s.id);
    if (wall.step() && wall.integer(1) > 0) s.mean_done_wall_seconds = wall.real(0);
    wall.reset();
    if (held) {
      held->bind(1, s.id);
      while (held->step()) {
        const std::optional<std::int64_t> job =
            held->is_null(0) ? std::nullopt : std::optional<std::int64_t>(held->integer(0));
        s.running_by_job.emplace_back(job, held->integer(1));
      }
      held->reset();
    }
    errors.bind(1, s.id).bind(2, max_failed_runs);
    while (errors.step()) s.failed_runs.push_back({errors.integer(0), errors.text(1)});
    errors.reset();
    data.sweeps.push_back(std::move(s));
  }
  return data;
}

std::vector<std::string> ResultsReader::columns(const std::string& table) {
  return db_->table_columns(table);
}

UserQuery ResultsReader::runs(const std::vector<std::string>& columns, const std::string& where,
                              std::string what) {
  std::string sql = fmt::format("SELECT {} FROM runs", join_identifiers(columns));
  // The expression sits on its own lines so a trailing "-- comment" cannot swallow the rest.
  if (!where.empty()) sql += fmt::format(" WHERE (\n{}\n)", where);
  sql += " ORDER BY id";
  return UserQuery(*db_, sql, std::move(what));
}

UserQuery ResultsReader::query(const std::string& sql, std::string what) {
  return UserQuery(*db_, sql, std::move(what));
}

bool ResultsReader::has_run(std::int64_t id) {
  Statement s = db_->prepare("SELECT id FROM runs WHERE id = ?1");
  s.bind(1, id);
  return s.step();
}

std::vector<std::int64_t> ResultsReader::runs_with_hash_prefix(const std::string& prefix,
                                                               int limit) {
  Statement s = db_->prepare(
      "SELECT id FROM runs WHERE substr(config_hash, 1, length(?1)) = ?1 ORDER BY id LIMIT ?2");
  s.bind(1, prefix).bind(2, limit);
  std::vector<std::int64_t> ids;
  while (s.step()) ids.push_back(s.integer(0));
  return ids;
}

std::int64_t ResultsReader::count_hash_prefix(const std::string& prefix) {
  Statement s =
      db_->prepare("SELECT count(*) FROM runs WHERE substr(config_hash, 1, length(?1)) = ?1");
  s.bind(1, prefix);
  s.step();
  return s.integer(0);
}

RunRecord ResultsReader::run(std::int64_t id) {
  RunRecord r;
  r.id = id;
  Statement run = db_->prepare("SELECT * FROM runs WHERE id = ?1");
  run.bind(1, id);
  if (run.step()) {
    for (int c = 0; c < run.columns(); ++c) r.columns.emplace_back(run.name(c), run.value(c));
  }
  Statement sweeps = db_->prepare(
      "SELECT name FROM sweeps JOIN sweep_runs ON sweep_runs.sweep_id = sweeps.id "
      "WHERE sweep_runs.run_id = ?1 ORDER BY sweeps.id");
  sweeps.bind(1, id);
  while (sweeps.step()) r.sweeps.push_back(sweeps.text(0));
  Statement curve = db_->prepare(
      "SELECT step, train_loss, test_loss, train_acc, test_acc, binary_gap, effective_dim "
      "FROM metrics WHERE run_id = ?1 ORDER BY step");
  curve.bind(1, id);
  r.curve.columns = curve.column_names();
  while (curve.step()) r.curve.rows.push_back(curve.values());
  Statement potentials = db_->prepare(
      "SELECT step, k, re, im FROM potentials WHERE run_id = ?1 AND "
      "step = (SELECT max(step) FROM potentials WHERE run_id = ?1) ORDER BY k");
  potentials.bind(1, id);
  r.potentials.columns = {"k", "re", "im"};
  while (potentials.step()) {
    r.potentials_step = potentials.integer(0);
    r.potentials.rows.push_back({potentials.value(1), potentials.value(2), potentials.value(3)});
  }
  return r;
}

std::optional<std::int64_t> ResultsReader::sweep_id(const std::string& name) {
  Statement s = db_->prepare("SELECT id FROM sweeps WHERE name = ?1");
  s.bind(1, name);
  if (!s.step()) return std::nullopt;
  return s.integer(0);
}

std::vector<std::string> ResultsReader::sweep_names() {
  Statement s = db_->prepare("SELECT name FROM sweeps ORDER BY id");
  std::vector<std::string> names;
  while (s.step()) names.push_back(s.text(0));
  return names;
}

std::unique_ptr<RowSource> ResultsReader::table_rows(const std::string& table,
                                                     std::optional<std::int64_t> sweep_id) {
  const auto* known = std::find_if(std::begin(kExportTables), std::end(kExportTables),
                                   [&](const ExportTable& t) { return table == t.name; });
  if (known == std::end(kExportTables)) {
    throw Error(fmt::format("export: no table \"{}\" to export", table));
  }
  std::string where;
  if (sweep_id) {
    if (table == "runs") {
      where = "WHERE id IN (SELECT run_id FROM sweep_runs WHERE sweep_id = ?1)";
    } else if (table == "sweeps") {
      where = "WHERE id = ?1";
    } else if (table == "fits") {
      where = "WHERE sweep = (SELECT name FROM sweeps WHERE id = ?1)";
    } else {
      where = "WHERE run_id IN (SELECT run_id FROM sweep_runs WHERE sweep_id = ?1)";
    }
  }
  auto rows = std::make_unique<Statement>(db_->prepare(
      fmt::format("SELECT * FROM {} {} ORDER BY {}", known->name, where, known->order)));
  if (sweep_id) rows->bind(1, *sweep_id);
  return rows;
}

}  // namespace symsweep::sweeps
