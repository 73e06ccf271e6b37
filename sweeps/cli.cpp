#include "sweeps/cli.hpp"

#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <algorithm>

#include "core/error.hpp"
#include "core/group.hpp"
#include "distributed/mpi_reducer.hpp"
#include "distributed/session.hpp"
#include "sweeps/fit_command.hpp"
#include "sweeps/irreps_command.hpp"
#include "sweeps/query_commands.hpp"
#include "sweeps/report_command.hpp"
#include "sweeps/run_command.hpp"
#include "sweeps/train_command.hpp"

namespace symsweep::sweeps {

namespace {

const char* const kCommands[] = {"train", "run", "groups", "status", "runs", "show",
                                 "export", "sql", "merge", "fit", "irreps", "report"};

}  // namespace

int run_cli(const std::vector<std::string>& args) {
  // Before MPI starts (query commands never start it), the launcher's rank decides who prints.
  const bool root = distributed::launcher_rank() == 0;
  CLI::App app{"symsweep: parameter sweeps of mean-field training on finite-group composition"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string(SYMSWEEP_VERSION) + " (" SYMSWEEP_GIT_REV ")");

  TrainOptions train_opts;
  CLI::App* train = app.add_subcommand("train", "train one network and print its metrics");
  add_train_flags(*train, train_opts);
  CLI::App* groups = app.add_subcommand("groups", "list the group families with examples");
  std::string irreps_group;
  bool irreps_json = false;
  CLI::App* irreps = app.add_subcommand(
      "irreps", "irreducible representations, conjugacy classes and character table of a group");
  irreps->add_option("--group", irreps_group, "group spec (see `symsweep groups`)")->required();
  irreps->add_flag("--json", irreps_json,
                   "JSON for scripts, with the Cayley table and the element names");

  RunOptions run_opts;
  CLI::App* run = app.add_subcommand("run", "run (or resume) a sweep into a results database");
  run->add_option("spec", run_opts.spec, "sweep spec (TOML)")->required();
  run->add_option("--db", run_opts.db, "results database (SQLite; created if missing)");
  run->add_option("--ranks-per-run", run_opts.ranks_per_run,
                  "ranks per team (overrides [sweep] ranks_per_run)")
      ->check(CLI::Range(1, 4096));
  run->add_option("--shard", run_opts.shard,
                  "I/N: only grid points I, I+N, I+2N, ... (one job of an array)");
  run->add_flag("--check", run_opts.check,
                "validate the spec, print the number of runs and how many are done, and stop");

  if (!args.empty() && !args[0].empty() && args[0][0] != '-' &&
      std::find(std::begin(kCommands), std::end(kCommands), args[0]) == std::end(kCommands)) {
    std::string known;
    for (const char* c : kCommands) known += std::string(known.empty() ? "" : ", ") + c;
    if (root) fmt::print(stderr, "symsweep: unknown command \"{}\" (expected one of {})\n", args[0], known);
    return kExitUsage;
  }
  QuerySubcommands queries;
  add_query_subcommands(app, queries);

  FitOptions fit_opts;
  CLI::App* fit = app.add_subcommand("fit", "critical data fractions and scaling-law fits");
  fit->add_option("--db", fit_opts.db, "results database")->required();
  fit->add_option("--sweep", fit_opts.sweep, "only this sweep (default: every sweep)");
  fit->add_option("--eps", fit_opts.eps, "test errors eps of f*(eps)")
      ->delimiter(',')
      ->capture_default_str();
  fit->add_option("--bootstrap", fit_opts.bootstrap, "bootstrap replicates for the intervals")
      ->capture_default_str();
  fit->add_option("--format", fit_opts.format, "table | csv | json")->capture_default_str();

  ReportOptions report_opts;
  CLI::App* report = app.add_subcommand(
      "report", "figures (gnuplot: SVG, PNG, scripts, data) and an index.html of a database");
  report->add_option("--db", report_opts.db, "results database")->required();
  report->add_option("--out", report_opts.out, "output directory (created if missing)")
      ->required();
  report->add_option("--sweep", report_opts.sweep, "only this sweep (default: every sweep)");
  report->add_option("--run", report_opts.run,
                     "run whose dynamics to draw (default: each sweep's median run)")
      ->check(CLI::PositiveNumber);
  report->add_option("--eps", report_opts.eps,
                     "eps of the N* figures (default: 0.1 when fitted, else the first fitted)")
      ->check(CLI::Range(0.0, 1.0));

  try {
    std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 parses from the back
    app.parse(reversed);
  } catch (const CLI::Success& e) {  // --help, --version
    return root ? app.exit(e) : kExitOk;
  } catch (const CLI::ParseError& e) {
    if (root) fmt::print(stderr, "symsweep: {}\n", e.what());
    return kExitUsage;
  }

  try {
    if (*irreps) return root ? run_irreps(irreps_group, irreps_json) : kExitOk;
    if (*groups) {
      if (root) fmt::print("{}", core::group_families_help());
      return kExitOk;
    }
    if (queries.selected()) {
      // Reading and merging need no MPI; under mpirun, rank 0 alone does them.
      return root ? run_query_subcommand(queries) : kExitOk;
    }
    if (*fit) return root ? run_fit(fit_opts) : kExitOk;
    if (*report) return root ? run_report(report_opts) : kExitOk;
    if (*run) {
      if (run_opts.db.empty() && !run_opts.check) {
        throw InputError("run: --db FILE is required (the results database)");
      }
      const distributed::MpiSession mpi;
      return run_sweep(run_opts, mpi.world());
    }
    if (*train) {
      validate_train(train_opts);
      // Every rank of the world is in the one team that trains this network.
      const distributed::MpiSession mpi;
      distributed::MpiReducer reducer(mpi.world());
      return run_train(train_opts, reducer);
    }
  } catch (const InputError& e) {
    // Input is validated identically on every rank before any collective call.
    if (root) fmt::print(stderr, "symsweep: {}\n", e.what());
    return kExitUsage;
  }
  return kExitUsage;
}

}  // namespace symsweep::sweeps
