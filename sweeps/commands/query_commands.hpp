#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "commands/output.hpp"

namespace symsweep::sweeps {

/// The commands that read a results database (`status`, `runs`, `show`, `export`, `sql`) and the
/// one that combines databases (`merge`). Each returns an exit code, prints its results to
/// stdout and throws InputError (exit 2) or Error (exit 1) with a one-line message. Readers open
/// the file read-only; none of them is collective: run them on one rank.

/// `symsweep status --db FILE [--json]`.
struct StatusOptions {
  std::string db;
  bool json = false;
};

/// `symsweep runs --db FILE [--where EXPR] [--format table|csv|json] [--columns a,b,c]`.
struct RunsOptions {
  std::string db;
  std::string where;  ///< one SQL expression on the runs columns; empty: every run
  std::string format = "table";
  std::string columns;  ///< comma-separated runs columns ("*": all); empty: the default set
};

/// `symsweep show --db FILE RUN [--format table|json]`.
struct ShowOptions {
  std::string db;
  std::string run;  ///< a run id (tried first) or a unique config_hash prefix
  std::string format = "table";
};

/// `symsweep export --db FILE --table T --format csv|json [--sweep NAME]`.
struct ExportOptions {
  std::string db;
  std::string table;  ///< runs | metrics | potentials | fits | sweeps | attempts
  std::string format = "csv";
  std::string sweep;  ///< empty: every sweep
};

/// `symsweep sql --db FILE QUERY [--format table|csv|json]`.
struct SqlOptions {
  std::string db;
  std::string query;  ///< exactly one reading statement
  std::string format = "table";
};

/// `symsweep merge OUT IN...`.
struct MergeOptions {
  std::string out;                  ///< created (or migrated) when needed
  std::vector<std::string> inputs;  ///< opened read-only, merged in order
};

/// Per sweep: counts by status, an ETA while runs are running, the last errors of failed runs.
int show_status(const StatusOptions& opts);
/// Rows of the runs table, optionally filtered by one read-only SQL expression.
int list_runs(const RunsOptions& opts);
/// One run: config, final values, provenance, the logged curve and the last rho_kkk.
int show_run(const ShowOptions& opts);
/// A whole table (optionally one sweep's part of it) as CSV or JSON.
int export_table(const ExportOptions& opts);
/// One read-only SQL statement; anything that writes, attaches or is a second statement fails.
int run_sql(const SqlOptions& opts);
/// Merges the inputs into `opts.out` (store/merge.hpp: runs deduplicated by config hash, the
/// finished copy kept, all inputs or none), prints warnings to stderr and a summary line per
/// input.
int merge_databases(const MergeOptions& opts);

/// The options and subcommands registered by add_query_subcommands(); the subcommand pointers
/// are owned by the CLI::App they were added to.
struct QuerySubcommands {
  StatusOptions status_opts;
  RunsOptions runs_opts;
  ShowOptions show_opts;
  ExportOptions export_opts;
  SqlOptions sql_opts;
  MergeOptions merge_opts;
  CLI::App* status_cmd = nullptr;
  CLI::App* runs_cmd = nullptr;
  CLI::App* show_cmd = nullptr;
  CLI::App* export_cmd = nullptr;
  CLI::App* sql_cmd = nullptr;
  CLI::App* merge_cmd = nullptr;

  /// True when the parsed command line chose one of these subcommands.
  bool selected() const;
};

/// Registers `status`, `runs`, `show`, `export`, `sql` and `merge` on `app`, bound to `q`
/// (which must outlive the parse).
void add_query_subcommands(CLI::App& app, QuerySubcommands& q);
/// Runs the subcommand that was parsed (requires q.selected()) and returns its exit code.
int run_query_subcommand(const QuerySubcommands& q);

}  // namespace symsweep::sweeps
