#include "commands/cli.hpp"

#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <string>

#include "symsweep/core/error.hpp"
#include "symsweep/core/group.hpp"
#include "symsweep/core/isa.hpp"
#include "symsweep/distributed/mpi_reducer.hpp"
#include "symsweep/distributed/session.hpp"
#include "commands/compose_command.hpp"
#include "commands/eval_command.hpp"
#include "commands/fit_command.hpp"
#include "commands/groups_command.hpp"
#include "commands/irreps_command.hpp"
#include "commands/query_commands.hpp"
#include "commands/report_command.hpp"
#include "commands/run_command.hpp"
#include "commands/train_command.hpp"
#include "symsweep_git_rev.hpp"

namespace symsweep::sweeps {

namespace {

const char* const kCommands[] = {"train", "run", "groups", "status", "runs", "show",
                                 "export", "sql", "merge", "fit", "irreps", "report", "eval",
                                 "compose"};

/// Runs `command` with MPI started, so that no exception leaves while MPI runs: input errors
/// (raised alike on every rank before any collective call) end the command with exit 2 on
/// every rank; anything else is printed with the rank and, with more than one rank, aborts the
/// job (its peers would otherwise wait in a collective or in MPI_Finalize forever).
template <typename Command>
int with_mpi(bool root, Command&& command) {
  const distributed::MpiSession mpi;
  try {
    return command(mpi.world());
  } catch (const InputError& e) {
    if (root) fmt::print(stderr, "symsweep: {}\n", e.what());
    return kExitUsage;
  } catch (const std::exception& e) {
    fmt::print(stderr, "symsweep: rank {}: error: {}\n", mpi.world().rank(), e.what());
    std::fflush(stderr);
    distributed::abort_job_if_parallel(kExitFailure);
    return dynamic_cast<const DatabaseError*>(&e) != nullptr ? kExitDatabase : kExitFailure;
  }
}

/// "kernels: x86-64-v3, x86-64-v4; this process runs x86-64-v4" (or why it cannot run any).
std::string kernels_line() {
  std::string levels;
  for (const std::string& l : core::kernel_isas()) levels += (levels.empty() ? "" : ", ") + l;
  try {
    return "kernels: " + levels + "; this process runs " + core::kernel_isa();
  } catch (const InputError& e) {
    return "kernels: " + levels + "; " + e.what();
  }
}

/// The kernels' level is chosen before any work (SYMSWEEP_ISA, the CPU): an impossible choice
/// is a usage error, reported by every rank it concerns (the nodes of a job may differ).
bool kernels_usable() {
  try {
    core::kernel_isa();
    return true;
  } catch (const InputError& e) {
    fmt::print(stderr, "symsweep: {}\n", e.what());
    return false;
  }
}

}  // namespace

int run_cli(const std::vector<std::string>& args) {
  // Before MPI starts (query commands never start it), the launcher's rank decides who prints.
  const bool root = distributed::launcher_rank() == 0;
  CLI::App app{"symsweep: parameter sweeps of mean-field training on finite-group composition"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string(SYMSWEEP_VERSION) + " (" + git_rev() + ")\n" +
                                        kernels_line());

  TrainOptions train_opts;
  CLI::App* train = app.add_subcommand("train", "train one network and print its metrics");
  add_train_flags(*train, train_opts);
  CLI::App* groups = app.add_subcommand(
      "groups", "the group families with examples; with --order N, GAP's groups of order N");
  int groups_order = 0;
  bool groups_json = false;
  groups->add_option("--order", groups_order,
                     "list every group of this order in GAP's small-group library (needs GAP)")
      ->check(CLI::Range(1, 4096));
  groups->add_flag("--json", groups_json, "with --order: JSON for scripts");
  std::string irreps_group;
  bool irreps_json = false;
  CLI::App* irreps = app.add_subcommand(
      "irreps", "irreducible representations, conjugacy classes and character table of a group");
  irreps->add_option("--group", irreps_group, "group spec (see `symsweep groups`)")->required();
  irreps->add_flag("--json", irreps_json,
                   "JSON for scripts, with the Cayley table and the element names");

  EvalOptions eval_opts;
  CLI::App* eval = app.add_subcommand(
      "eval", "a saved network's loss, accuracy and potentials on all pairs of a group");
  eval->add_option("--group", eval_opts.group, "group spec (see `symsweep groups`)")->required();
  eval->add_option("--particles", eval_opts.particles,
                   "the network: a q x 3n float64 .npy (train --save-particles, DB.particles/)")
      ->required();
  eval->add_option("--parametrization", eval_opts.parametrization,
                   "mean-field | standard | gromov | custom (as the network was trained)")
      ->capture_default_str();
  eval->add_option("--input-multiplier", eval_opts.input_multiplier, "alpha (custom)")
      ->capture_default_str();
  eval->add_option("--output-multiplier", eval_opts.output_multiplier, "beta (custom)")
      ->capture_default_str();
  eval->add_option("--loss", eval_opts.loss, "centred-mse | mse | cross-entropy")
      ->capture_default_str();
  eval->add_option("--potentials", eval_opts.potentials, "auto | full | diagonal (as train)")
      ->capture_default_str();
  eval->add_flag("--json", eval_opts.json, "print one JSON object on stdout");

  ComposeOptions compose_opts;
  CLI::App* compose = app.add_subcommand(
      "compose",
      "sum, product or scaling of saved networks as measures (docs/measure-algebra.md), "
      "written as a plain network");
  compose->add_option("op", compose_opts.op, "sum | product | scale | one | zero | absorb")
      ->required();
  compose->add_option("operands", compose_opts.args,
                      "the networks (.npy or DB:RUN): sum A B, product A B, scale A c, absorb A "
                      "(a q x (3n+1) .npy whose last column is the weights); none for one, zero");
  compose->add_option("--group", compose_opts.eval.group, "group spec (see `symsweep groups`)")
      ->required();
  compose->add_option("--out", compose_opts.out, "the result: a q x 3n float64 .npy")->required();
  compose->add_option("--potentials", compose_opts.eval.potentials,
                      "auto | full | diagonal: what the result's report measures (as eval)")
      ->capture_default_str();
  compose->add_flag("--json", compose_opts.eval.json,
                    "print one JSON object on stdout (eval's keys, homomorphism_error)");

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
  run->add_flag("--extend", run_opts.extend,
                "the spec differs from the stored one of this sweep: add its new grid points");
  run->add_option("--retry", run_opts.retry,
                  "failed,diverged: put those runs back to pending and run them again")
      ->delimiter(',')
      ->check(CLI::IsMember({"failed", "diverged"}));
  run->add_option("--lease", run_opts.lease_seconds,
                  "seconds without a heartbeat after which other jobs take this job's runs "
                  "(overrides [sweep] lease_seconds)")
      ->check(CLI::Range(1.0, 86400.0));
  run->add_option("--checkpoint-dir", run_opts.checkpoint_dir,
                  "where runs checkpoint (default: DB.checkpoints beside the database)");
  run->add_flag("--allow-network-fs", run_opts.allow_network_fs,
                "use a database on NFS/Lustre/GPFS/CIFS (SQLite's locking is unsafe there)");
  run->add_option("--max-runs", run_opts.max_runs,
                  "refuse a grid of more runs than this (before expanding it)")
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 40));
  run->add_option("--max-memory", run_opts.max_memory,
                  "per-rank memory limit, e.g. 4G (default: the memory available)");
  run->add_option("--np", run_opts.np,
                  "start MPI yourself with N ranks (mpirun), passing signals to the ranks")
      ->check(CLI::Range(1, 100000));
  run->add_option("--mpiexec", run_opts.mpiexec,
                  "the launcher of --np with its flags (default: mpirun)")
      ->capture_default_str();

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
  fit->add_option("--seed", fit_opts.seed,
                  "base seed of the bootstrap streams (stored with every row)")
      ->capture_default_str();
  fit->add_option("--count", fit_opts.count,
                  "N* as the sampled pairs f* n^2 (sampled) or the training set after "
                  "augmentation (augmented)")
      ->capture_default_str();
  fit->add_option("--format", fit_opts.format,
                  "table | csv | json (json: one object with both tables)")
      ->capture_default_str();
  fit->add_option("--table", fit_opts.table,
                  "critical_fractions | fits: print only this table (default: both; "
                  "--format csv on stdout needs one)");
  fit->add_option("--out-dir", fit_opts.out_dir,
                  "with --format csv: write DIR/critical_fractions.csv and DIR/fits.csv instead "
                  "of stdout");

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
    if (*eval) return root ? run_eval(eval_opts) : kExitOk;
    if (*compose) return root ? run_compose(compose_opts) : kExitOk;
    if (*groups) return root ? run_groups(groups_order, groups_json) : kExitOk;
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
      if (run_opts.np > 0) return launch_sweep(run_opts, args);
      if (!kernels_usable()) return kExitUsage;
      return with_mpi(root, [&](const boost::mpi::communicator& world) {
        return run_sweep(run_opts, world);
      });
    }
    if (*train) {
      validate_train(train_opts);
      if (!kernels_usable()) return kExitUsage;
      // Every rank of the world is in the one team that trains this network.
      return with_mpi(root, [&](const boost::mpi::communicator& world) {
        distributed::MpiReducer reducer(world);
        return run_train(train_opts, reducer);
      });
    }
  } catch (const InputError& e) {
    // Input is validated identically on every rank before any collective call.
    if (root) fmt::print(stderr, "symsweep: {}\n", e.what());
    return kExitUsage;
  } catch (const DatabaseError& e) {
    if (root) fmt::print(stderr, "symsweep: {}\n", e.what());
    return kExitDatabase;
  }
  return kExitUsage;
}

}  // namespace symsweep::sweeps
