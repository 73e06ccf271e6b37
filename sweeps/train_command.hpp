#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "core/reducer.hpp"
#include "core/run.hpp"

namespace symsweep::sweeps {

/// The flags of `symsweep train`.
struct TrainOptions {
  core::RunConfig run;
  std::string optimizer = "adamw";
  std::string precision = "f32";
  bool json = false;
  std::string save_particles;
};

/// Registers the `train` subcommand's flags on `app`, bound to `opts`.
void add_train_flags(CLI::App& app, TrainOptions& opts);

/// The JSON object of one logged step's metrics (nulls where a value does not exist).
nlohmann::json metrics_json(const core::StepMetrics& m);

/// Resolves and checks every option (group, augment, ranges, output path); throws InputError.
/// Needs no MPI, so bad input is reported before any rank starts.
void validate_train(TrainOptions& opts);

/// Collective on the reducer: runs `symsweep train` with validated options (every rank of the
/// team holds its shard). Only rank 0 of the team prints.
int run_train(const TrainOptions& opts, core::Reducer& reducer);

}  // namespace symsweep::sweeps
