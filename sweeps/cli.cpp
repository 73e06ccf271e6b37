#include "sweeps/cli.hpp"

#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <algorithm>

#include "core/error.hpp"
#include "core/group.hpp"
#include "sweeps/train_command.hpp"

namespace symsweep::sweeps {

int run_cli(const std::vector<std::string>& args) {
  CLI::App app{"symsweep: parameter sweeps of mean-field training on finite-group composition"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string(SYMSWEEP_VERSION) + " (" SYMSWEEP_GIT_REV ")");

  TrainOptions train_opts;
  CLI::App* train = app.add_subcommand("train", "train one network and print its metrics");
  add_train_flags(*train, train_opts);
  CLI::App* groups = app.add_subcommand("groups", "list the group families with examples");

  try {
    std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 parses from the back
    app.parse(reversed);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    fmt::print(stderr, "symsweep: {}\n", e.what());
    return kExitUsage;
  }

  core::LocalReducer local;
  try {
    if (*groups) {
      fmt::print("{}", core::group_families_help());
      return kExitOk;
    }
    if (*train) return run_train(train_opts, local);
  } catch (const InputError& e) {
    fmt::print(stderr, "symsweep: {}\n", e.what());
    return kExitUsage;
  } catch (const std::exception& e) {
    fmt::print(stderr, "symsweep: error: {}\n", e.what());
    return kExitFailure;
  }
  return kExitUsage;
}

}  // namespace symsweep::sweeps
