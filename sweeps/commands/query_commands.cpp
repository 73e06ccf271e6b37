#include "commands/query_commands.hpp"

#include <fmt/core.h>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <utility>

#include "symsweep/core/error.hpp"
#include "commands/cli.hpp"
#include "commands/output.hpp"
#include "store/open_database.hpp"
#include "store/sql_sandbox.hpp"
#include "store/sqlite.hpp"
#include "store/jobs.hpp"
#include "store/merge.hpp"
#include "store/store.hpp"

namespace symsweep::sweeps {

namespace {

using ojson = nlohmann::ordered_json;

// ---------------------------------------------------------------------------------------------
// runs / show

const std::vector<std::string> kDefaultRunColumns = {
    "id",      "status", "group_spec", "width",      "data_fraction",
    "augment", "seed",   "test_acc",   "binary_gap", "wall_seconds"};

/// The columns of a run that define its configuration (what `show` lists as config).
const std::vector<std::string> kConfigColumns = {
    "group_spec",    "group_order", "abelian",   "width",   "data_fraction", "augment",
    "augment_order", "seed",        "optimizer", "lr",      "weight_decay",  "init_scale",
    "steps",         "precision",   "log_every", "est_cost"};

/// Where and how a run was computed.
const std::vector<std::string> kProvenanceColumns = {"version",     "git_rev",     "host",
                                                     "ranks",       "mpi_library", "started_at",
                                                     "finished_at", "wall_seconds"};

/// Identity columns: shown in the heading, not in a section.
const std::vector<std::string> kIdentityColumns = {"id", "sweep_id", "config_hash", "config_json"};

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

std::vector<std::string> parse_columns(const std::string& list,
                                       const std::vector<std::string>& available) {
  if (list == "*") return available;
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= list.size()) {
    std::size_t end = list.find(',', start);
    if (end == std::string::npos) end = list.size();
    std::string name = list.substr(start, end - start);
    name.erase(0, name.find_first_not_of(" \t"));
    name.erase(name.find_last_not_of(" \t") + 1);
    if (name.empty()) {
      throw InputError(fmt::format("runs: --columns \"{}\": empty column name", list));
    }
    if (!contains(available, name)) {
      throw InputError(fmt::format("runs: --columns: no column \"{}\" in table runs (columns: {})",
                                   name, fmt::join(available, ", ")));
    }
    out.push_back(std::move(name));
    start = end + 1;
  }
  return out;
}

/// Finds a run by id or unique config_hash prefix; throws InputError otherwise.
std::int64_t resolve_run(Database& db, const std::string& spec) {
  if (spec.empty()) throw InputError("show: RUN is required (a run id or a config_hash prefix)");
  const bool digits =
      std::all_of(spec.begin(), spec.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (digits && spec.size() <= 18) {
    Statement by_id = db.prepare("SELECT id FROM runs WHERE id = ?1");
    by_id.bind(1, static_cast<std::int64_t>(std::stoll(spec)));
    if (by_id.step()) return by_id.integer(0);
  }
  std::string prefix = spec;
  std::transform(prefix.begin(), prefix.end(), prefix.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (!std::all_of(prefix.begin(), prefix.end(),
                   [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); })) {
    throw InputError(fmt::format(
        "show: RUN \"{}\": expected a run id or a config_hash prefix (hex digits)", spec));
  }
  Statement by_hash = db.prepare(
      "SELECT id FROM runs WHERE substr(config_hash, 1, length(?1)) = ?1 ORDER BY id LIMIT 2");
  by_hash.bind(1, prefix);
  std::vector<std::int64_t> ids;
  while (by_hash.step()) ids.push_back(by_hash.integer(0));
  if (ids.empty()) {
    throw InputError(
        fmt::format("show: RUN \"{}\": no run with that id or config_hash prefix", spec));
  }
  if (ids.size() > 1) {
    Statement count =
        db.prepare("SELECT count(*) FROM runs WHERE substr(config_hash, 1, length(?1)) = ?1");
    count.bind(1, prefix);
    count.step();
    throw InputError(
        fmt::format("show: RUN \"{}\": the config_hash prefix matches {} runs; give more digits",
                    spec, count.integer(0)));
  }
  return ids.front();
}

using Fields = std::vector<std::pair<std::string, SqlValue>>;

void print_fields(const std::string& title, const Fields& fields) {
  fmt::print("{}\n", title);
  std::size_t width = 0;
  for (const auto& [name, value] : fields) width = std::max(width, name.size());
  for (const auto& [name, value] : fields) {
    fmt::print("  {:<{}}  {}\n", name, width, table_cell(value));
  }
}

ojson fields_json(const Fields& fields) {
  ojson obj = ojson::object();
  for (const auto& [name, value] : fields) obj[name] = json_value(value);
  return obj;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Commands

int show_status(const StatusOptions& opts) {
  require_existing_results(opts.db, "status", "--db");
  ResultsStore store(opts.db, Database::Mode::kReadOnly);
  Database& db = store.db();
  constexpr int kMaxErrors = 10;

  ojson sweeps = ojson::array();
  Statement sel = db.prepare("SELECT id, name FROM sweeps ORDER BY id");
  Statement wall = db.prepare(
      "SELECT avg(wall_seconds), count(wall_seconds) FROM runs "
      "JOIN sweep_runs ON sweep_runs.run_id = runs.id "
      "WHERE sweep_runs.sweep_id = ?1 AND status = 'done'");
  // Most recent first: when the run finished, else when its last attempt stopped.
  Statement errors = db.prepare(
      "SELECT runs.id, coalesce(error, '') FROM runs "
      "JOIN sweep_runs ON sweep_runs.run_id = runs.id "
      "WHERE sweep_runs.sweep_id = ?1 AND status = 'failed' "
      "ORDER BY coalesce(finished_at, (SELECT max(stopped_at) FROM attempts "
      "WHERE attempts.run_id = runs.id), started_at, '') DESC, runs.id DESC LIMIT ?2");
  // Jobs: alive, dead (heartbeat older than the lease, or process gone) or ended.
  Statement jobs_table =
      db.prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'jobs'");
  jobs_table.step();
  const bool has_jobs = jobs_table.integer(0) > 0;
  std::set<std::int64_t> live_jobs;
  ojson jobs = ojson::array();
  if (has_jobs) {
    const double now = unix_now();
    for (const JobRow& j : list_jobs(db)) {
      const auto dead = why_dead(j, now);
      const std::string state = j.state == "alive" && dead ? "dead" : j.state;
      if (state == "alive") live_jobs.insert(j.id);
      ojson o = {{"id", j.id},
                 {"host", j.host},
                 {"pid", j.pid},
                 {"ranks", j.ranks},
                 {"launcher", j.launcher},
                 {"state", state},
                 {"started_at", j.started_at},
                 {"heartbeat_at", j.heartbeat_at},
                 {"heartbeat_age_seconds", now - j.heartbeat},
                 {"lease_seconds", j.lease_seconds},
                 {"exit_code", j.exit_code ? ojson(*j.exit_code) : ojson()},
                 {"reason", dead && j.state == "alive" ? *dead : j.reason}};
      jobs.push_back(std::move(o));
    }
  }
  Statement held = db.prepare(
      has_jobs ? "SELECT runs.job_id, count(*) FROM runs JOIN sweep_runs ON sweep_runs.run_id = "
                 "runs.id WHERE sweep_runs.sweep_id = ?1 AND status = 'running' GROUP BY 1"
               : "SELECT NULL, 0 WHERE ?1 IS NULL");
  if (!opts.json && !jobs.empty()) {
    fmt::print("jobs:\n");
    for (const auto& j : jobs) {
      const std::string state = j["state"].get<std::string>();
      std::string tail;
      if (state == "alive") {
        tail = fmt::format("heartbeat {:.1f} s ago", j["heartbeat_age_seconds"].get<double>());
      } else if (state == "dead") {
        tail = j["reason"].get<std::string>();
      } else {
        tail = fmt::format("exit {}, {}", j["exit_code"].is_null() ? std::string("?") :
                           std::to_string(j["exit_code"].get<int>()),
                           j["reason"].get<std::string>());
      }
      fmt::print("  job {} {} pid {} ({} ranks, {}): {}, {}\n", j["id"].get<std::int64_t>(),
                 j["host"].get<std::string>(), j["pid"].get<std::int64_t>(),
                 j["ranks"].get<int>(), j["launcher"].get<std::string>(), state,
                 one_line(tail));
    }
  }
  bool any = false;
  while (sel.step()) {
    any = true;
    const std::int64_t sweep_id = sel.integer(0);
    const std::string name = sel.text(1);
    const StatusCounts c = store.counts(sweep_id);

    ojson s = ojson::object();
    s["name"] = name;
    s["pending"] = c.pending;
    s["running"] = c.running;
    s["done"] = c.done;
    s["failed"] = c.failed;
    s["diverged"] = c.diverged;
    s["total"] = c.total();

    std::optional<double> eta, mean_wall;
    wall.bind(1, sweep_id);
    if (wall.step() && wall.integer(1) > 0) mean_wall = wall.real(0);
    wall.reset();
    // Only runs that a live job trains make progress: no ETA for runs nobody trains.
    std::int64_t trained = 0;
    if (has_jobs) {
      held.bind(1, sweep_id);
      while (held.step()) {
        if (!held.is_null(0) && live_jobs.count(held.integer(0))) trained += held.integer(1);
      }
      held.reset();
    } else {
      trained = c.running;  // a database from before jobs were recorded
    }
    s["running_in_live_jobs"] = trained;
    if (trained > 0 && mean_wall) {
      eta = *mean_wall * static_cast<double>(c.pending + c.running) /
            static_cast<double>(trained);
    }
    s["eta_seconds"] = eta ? ojson(*eta) : ojson();

    ojson failed = ojson::array();
    errors.bind(1, sweep_id).bind(2, kMaxErrors);
    while (errors.step()) failed.push_back({{"id", errors.integer(0)}, {"error", errors.text(1)}});
    errors.reset();
    const std::int64_t more = c.failed - static_cast<std::int64_t>(failed.size());
    s["failed_runs"] = failed;
    s["more_failed"] = std::max<std::int64_t>(more, 0);

    if (!opts.json) {
      fmt::print("sweep {}: {} runs\n", name, c.total());
      fmt::print("  pending {}  running {}  done {}  failed {}  diverged {}\n", c.pending,
                 c.running, c.done, c.failed, c.diverged);
      if (c.running > trained) {
        fmt::print("  {} running run(s) held by no live job: relaunch to continue them\n",
                   c.running - trained);
      }
      if (trained > 0) {
        if (eta) {
          fmt::print("  ETA {} ({} running, {:.6g} s per done run)\n", format_duration(*eta),
                     trained, *mean_wall);
        } else {
          fmt::print("  ETA unknown ({} running, no run done yet)\n", trained);
        }
      }
      if (!failed.empty()) {
        fmt::print("  failed runs, most recent first:\n");
        for (const auto& f : failed) {
          fmt::print("    run {}: {}\n", f["id"].get<std::int64_t>(),
                     one_line(f["error"].get<std::string>()));
        }
        if (more > 0) fmt::print("    ... and {} more\n", more);
      }
    }
    sweeps.push_back(std::move(s));
  }
  if (opts.json) {
    fmt::print("{}\n", dump_json(ojson{{"db", opts.db}, {"jobs", jobs}, {"sweeps", sweeps}}, 2));
  } else if (!any) {
    fmt::print("no sweeps in {}\n", opts.db);
  }
  std::fflush(stdout);
  return kExitOk;
}

int list_runs(const RunsOptions& opts) {
  const OutputFormat format =
      parse_output_format("runs", "--format", opts.format,
                          {OutputFormat::kTable, OutputFormat::kCsv, OutputFormat::kJson});
  const auto db = open_existing_results(opts.db, "runs", "--db");
  const std::vector<std::string> available = db->table_columns("runs");
  std::vector<std::string> cols;
  if (opts.columns.empty()) {
    for (const auto& c : kDefaultRunColumns) {
      if (contains(available, c)) cols.push_back(c);
    }
  } else {
    cols = parse_columns(opts.columns, available);
  }
  if (opts.where.find(';') != std::string::npos) {
    throw InputError(fmt::format(
        "runs: --where \"{}\": expected one SQL expression on the runs columns; ';' is not allowed",
        sql_excerpt(opts.where)));
  }
  db->restrict_to_reading();
  std::string sql = fmt::format("SELECT {} FROM runs", join_identifiers(cols));
  // The expression sits on its own lines so a trailing "-- comment" cannot swallow the rest.
  if (!opts.where.empty()) sql += fmt::format(" WHERE (\n{}\n)", opts.where);
  sql += " ORDER BY id";
  UserQuery query(*db, sql, fmt::format("runs: --where \"{}\"", sql_excerpt(opts.where)));
  write_rows(query, *make_row_writer(format, stdout));
  return kExitOk;
}

int show_run(const ShowOptions& opts) {
  const OutputFormat format = parse_output_format("show", "--format", opts.format,
                                                  {OutputFormat::kTable, OutputFormat::kJson});
  const auto db = open_existing_results(opts.db, "show", "--db");
  db->restrict_to_reading();
  const std::int64_t id = resolve_run(*db, opts.run);

  Statement run = db->prepare("SELECT * FROM runs WHERE id = ?1");
  run.bind(1, id);
  run.step();
  Fields config, final_values, provenance;
  std::string hash;
  for (int c = 0; c < run.columns(); ++c) {
    const std::string name = run.name(c);
    if (name == "config_hash") hash = run.text(c);
    if (contains(kIdentityColumns, name)) continue;
    Fields& section = contains(kConfigColumns, name)       ? config
                      : contains(kProvenanceColumns, name) ? provenance
                                                           : final_values;
    section.emplace_back(name, run.value(c));
  }

  std::vector<std::string> sweeps;
  Statement sw = db->prepare(
      "SELECT name FROM sweeps JOIN sweep_runs ON sweep_runs.sweep_id = sweeps.id "
      "WHERE sweep_runs.run_id = ?1 ORDER BY sweeps.id");
  sw.bind(1, id);
  while (sw.step()) sweeps.push_back(sw.text(0));

  Statement curve = db->prepare(
      "SELECT step, train_loss, test_loss, train_acc, test_acc, binary_gap, effective_dim "
      "FROM metrics WHERE run_id = ?1 ORDER BY step");
  curve.bind(1, id);
  Statement rho = db->prepare(
      "SELECT step, k, re, im FROM potentials WHERE run_id = ?1 AND "
      "step = (SELECT max(step) FROM potentials WHERE run_id = ?1) ORDER BY k");
  rho.bind(1, id);
  std::optional<std::int64_t> rho_step;
  std::vector<std::vector<SqlValue>> rho_rows;
  while (rho.step()) {
    rho_step = rho.integer(0);
    const SqlValue re = rho.value(2), im = rho.value(3);
    SqlValue abs;
    if (!rho.is_null(2) && !rho.is_null(3)) abs = std::hypot(rho.real(2), rho.real(3));
    rho_rows.push_back({rho.value(1), re, im, abs});
  }
  const std::vector<std::string> rho_columns = {"k", "re", "im", "|rho|"};

  if (format == OutputFormat::kJson) {
    ojson j = ojson::object();
    j["id"] = id;
    j["config_hash"] = hash;
    j["sweeps"] = sweeps;
    j["config"] = fields_json(config);
    j["final"] = fields_json(final_values);
    j["provenance"] = fields_json(provenance);
    ojson points = ojson::array();
    const auto names = curve.column_names();
    while (curve.step()) {
      ojson p = ojson::object();
      for (int c = 0; c < curve.columns(); ++c) p[names[c]] = json_value(curve.value(c));
      points.push_back(std::move(p));
    }
    j["curve"] = std::move(points);
    ojson values = ojson::array();
    for (const auto& r : rho_rows) {
      values.push_back({{"k", json_value(r[0])},
                        {"re", json_value(r[1])},
                        {"im", json_value(r[2])},
                        {"abs", json_value(r[3])}});
    }
    j["rho_kkk"] = {{"step", rho_step ? ojson(*rho_step) : ojson()}, {"values", values}};
    fmt::print("{}\n", dump_json(j, 2));
    std::fflush(stdout);
    return kExitOk;
  }

  fmt::print("run {}  config_hash {}  sweep{} {}\n\n", id, hash, sweeps.size() == 1 ? "" : "s",
             sweeps.empty() ? "-" : fmt::format("{}", fmt::join(sweeps, ", ")));
  print_fields("config", config);
  fmt::print("\n");
  print_fields("final", final_values);
  fmt::print("\n");
  print_fields("provenance", provenance);
  fmt::print("\ncurve (metrics)\n");
  std::fflush(stdout);
  write_rows(curve, *make_row_writer(OutputFormat::kTable, stdout));
  if (rho_step) {
    fmt::print("\nrho_kkk at step {}\n", *rho_step);
    auto w = make_row_writer(OutputFormat::kTable, stdout);
    w->begin(rho_columns);
    for (const auto& r : rho_rows) w->row(r);
    w->end();
  } else {
    fmt::print("\nrho_kkk: none logged\n");
  }
  std::fflush(stdout);
  return kExitOk;
}

int export_table(const ExportOptions& opts) {
  // Table -> its natural order.
  static const std::map<std::string, std::string> kTables = {
      {"runs", "id"},
      {"metrics", "run_id, step"},
      {"potentials", "run_id, step, k"},
      {"fits", "id"},
      {"sweeps", "id"},
      {"attempts", "run_id, attempt, rowid"}};
  const auto table = kTables.find(opts.table);
  if (table == kTables.end()) {
    throw InputError(fmt::format(
        "export: --table \"{}\": expected runs, metrics, potentials, fits, sweeps or attempts",
        opts.table));
  }
  const OutputFormat format = parse_output_format("export", "--format", opts.format,
                                                  {OutputFormat::kCsv, OutputFormat::kJson});
  const auto db = open_existing_results(opts.db, "export", "--db");
  db->restrict_to_reading();

  std::string where;
  std::optional<std::int64_t> sweep_id;
  if (!opts.sweep.empty()) {
    Statement find = db->prepare("SELECT id FROM sweeps WHERE name = ?1");
    find.bind(1, opts.sweep);
    if (!find.step()) {
      std::vector<std::string> names;
      Statement all = db->prepare("SELECT name FROM sweeps ORDER BY id");
      while (all.step()) names.push_back(all.text(0));
      throw InputError(
          fmt::format("export: --sweep \"{}\": no such sweep (sweeps: {})", opts.sweep,
                      names.empty() ? "none" : fmt::format("{}", fmt::join(names, ", "))));
    }
    sweep_id = find.integer(0);
    const std::string& t = opts.table;
    if (t == "runs") {
      where = "WHERE id IN (SELECT run_id FROM sweep_runs WHERE sweep_id = ?1)";
    } else if (t == "sweeps") {
      where = "WHERE id = ?1";
    } else if (t == "fits") {
      where = "WHERE sweep = (SELECT name FROM sweeps WHERE id = ?1)";
    } else {
      where = "WHERE run_id IN (SELECT run_id FROM sweep_runs WHERE sweep_id = ?1)";
    }
  }
  Statement sel = db->prepare(
      fmt::format("SELECT * FROM {} {} ORDER BY {}", table->first, where, table->second));
  if (sweep_id) sel.bind(1, *sweep_id);
  write_rows(sel, *make_row_writer(format, stdout));
  return kExitOk;
}

int run_sql(const SqlOptions& opts) {
  const OutputFormat format =
      parse_output_format("sql", "--format", opts.format,
                          {OutputFormat::kTable, OutputFormat::kCsv, OutputFormat::kJson});
  const auto db_ptr = open_existing_results(opts.db, "sql", "--db");
  if (opts.query.find_first_not_of(" \t\r\n") == std::string::npos) {
    throw InputError("sql: QUERY is empty (expected one SELECT statement)");
  }
  Database& db = *db_ptr;
  db.restrict_to_reading();
  UserQuery query(db, opts.query, fmt::format("sql: \"{}\"", sql_excerpt(opts.query)));
  write_rows(query, *make_row_writer(format, stdout));
  return kExitOk;
}

int merge_databases(const MergeOptions& opts) {
  const std::vector<MergeCounts> counts =
      merge_results(opts.out, opts.inputs, [](const std::string& warning) {
        fmt::print(stderr, "symsweep merge: warning: {}\n", warning);
      });
  for (std::size_t i = 0; i < counts.size(); ++i) {
    const MergeCounts& c = counts[i];
    fmt::print("{}: {} runs added, {} replaced, {} skipped; {} sweeps added\n", opts.inputs[i],
               c.added, c.replaced, c.skipped, c.sweeps_added);
  }
  std::fflush(stdout);
  return kExitOk;
}

// ---------------------------------------------------------------------------------------------
// Command line

bool QuerySubcommands::selected() const {
  for (const CLI::App* cmd : {status_cmd, runs_cmd, show_cmd, export_cmd, sql_cmd, merge_cmd}) {
    if (cmd != nullptr && cmd->parsed()) return true;
  }
  return false;
}

void add_query_subcommands(CLI::App& app, QuerySubcommands& q) {
  const char* db_help = "results database (opened read-only)";

  q.status_cmd = app.add_subcommand(
      "status", "per sweep: runs by state, an ETA, and the last error of each failed run");
  q.status_cmd->add_option("--db", q.status_opts.db, db_help)->required();
  q.status_cmd->add_flag("--json", q.status_opts.json, "print JSON");

  q.runs_cmd = app.add_subcommand("runs", "list runs, optionally filtered by a SQL expression");
  q.runs_cmd->add_option("--db", q.runs_opts.db, db_help)->required();
  q.runs_cmd->add_option("--where", q.runs_opts.where,
                         "one SQL expression on the runs columns, e.g. \"status = 'done'\"");
  q.runs_cmd->add_option("--format", q.runs_opts.format, "table | csv | json")
      ->capture_default_str();
  q.runs_cmd->add_option("--columns", q.runs_opts.columns,
                         "comma-separated runs columns, or * for all");

  q.show_cmd = app.add_subcommand(
      "show", "one run: config, final values, provenance, curve and last rho_kkk");
  q.show_cmd->add_option("--db", q.show_opts.db, db_help)->required();
  q.show_cmd->add_option("RUN", q.show_opts.run, "run id or config_hash prefix")->required();
  q.show_cmd->add_option("--format", q.show_opts.format, "table | json")->capture_default_str();

  q.export_cmd = app.add_subcommand("export", "write a whole table as CSV or JSON");
  q.export_cmd->add_option("--db", q.export_opts.db, db_help)->required();
  q.export_cmd
      ->add_option("--table", q.export_opts.table,
                   "runs | metrics | potentials | fits | sweeps | attempts")
      ->required();
  q.export_cmd->add_option("--format", q.export_opts.format, "csv | json")->capture_default_str();
  q.export_cmd->add_option("--sweep", q.export_opts.sweep, "only the rows of this sweep");

  q.sql_cmd = app.add_subcommand("sql", "run one read-only SQL statement");
  q.sql_cmd->add_option("--db", q.sql_opts.db, db_help)->required();
  q.sql_cmd->add_option("QUERY", q.sql_opts.query, "one SELECT statement")->required();
  q.sql_cmd->add_option("--format", q.sql_opts.format, "table | csv | json")->capture_default_str();

  q.merge_cmd = app.add_subcommand(
      "merge", "combine results databases of separate jobs into OUT (created if missing)");
  q.merge_cmd->add_option("OUT", q.merge_opts.out, "merged database")->required();
  q.merge_cmd->add_option("IN", q.merge_opts.inputs, "databases to merge (read-only)")->required();
}

int run_query_subcommand(const QuerySubcommands& q) {
  if (q.status_cmd != nullptr && q.status_cmd->parsed()) return show_status(q.status_opts);
  if (q.runs_cmd != nullptr && q.runs_cmd->parsed()) return list_runs(q.runs_opts);
  if (q.show_cmd != nullptr && q.show_cmd->parsed()) return show_run(q.show_opts);
  if (q.export_cmd != nullptr && q.export_cmd->parsed()) return export_table(q.export_opts);
  if (q.sql_cmd != nullptr && q.sql_cmd->parsed()) return run_sql(q.sql_opts);
  if (q.merge_cmd != nullptr && q.merge_cmd->parsed()) return merge_databases(q.merge_opts);
  return kExitUsage;
}

}  // namespace symsweep::sweeps
