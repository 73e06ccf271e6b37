#pragma once

#include <CLI/CLI.hpp>

#include "commands/export_command.hpp"
#include "commands/merge_command.hpp"
#include "commands/output.hpp"
#include "commands/runs_command.hpp"
#include "commands/show_command.hpp"
#include "commands/sql_command.hpp"
#include "commands/status_command.hpp"

namespace symsweep::sweeps {

/// The commands that read a results database (`status`, `runs`, `show`, `export`, `sql`) and the
/// one that combines databases (`merge`), one file each; what they read comes from
/// store/queries.hpp, the sandbox of `sql` and `runs --where` is store/sql_sandbox.hpp, merging
/// is store/merge.hpp, and the output formats are commands/output.hpp. Each returns an exit code,
/// prints its results to stdout and throws InputError (exit 2) or Error (exit 1) with a one-line
/// message. Readers open the file read-only; none of them is collective: run them on one rank.

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
