#include "commands/query_commands.hpp"

#include "commands/cli.hpp"

namespace symsweep::sweeps {

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
