#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "symsweep/core/metrics.hpp"
#include "symsweep/core/reducer.hpp"
#include "symsweep/core/run.hpp"

namespace symsweep::sweeps {

/// The flags of `symsweep train`.
struct TrainOptions {
  core::RunConfig run;
  std::string optimizer = "adamw";
  std::string precision = "f32";
  std::string potentials = "auto";
  std::string parametrization = "mean-field";
  std::string init = "normal";
  std::string loss = "centred-mse";
  bool json = false;
  std::string save_particles;
  std::string max_memory;  ///< --max-memory: per-rank limit; empty: the machine's (limits.hpp)
  /// Set by validate_train (slow logged measurements), printed by run_train.
  std::vector<std::string> warnings;
  /// Set by validate_train when this rank's machine default limit is below the estimate in a
  /// job of several ranks: run_train refuses on every rank if any rank set it.
  std::string memory_refusal;
};

/// Parses the value `text` of integer flag `flag`: decimal, optionally signed, in [lo, hi].
/// Throws CLI::ValidationError (a usage error) naming the flag and the range otherwise.
std::int64_t parse_integer_flag(const std::string& flag, const std::string& text, std::int64_t lo,
                                std::int64_t hi);

/// Registers the `train` subcommand's flags on `app`, bound to `opts`.
void add_train_flags(CLI::App& app, TrainOptions& opts);

/// The JSON object of one logged step's metrics (nulls where a value does not exist).
nlohmann::json metrics_json(const core::StepMetrics& m);

/// The lines of `train`'s summary on the monomial potentials of one measurement (binary gap,
/// off-target MP or energy, frequencies per neuron, the irreps' rho_tau), on stdout.
void print_potentials(const core::StepMetrics& m);

/// Resolves and checks every option (group, augment, ranges, output path); throws InputError.
/// Needs no MPI, so bad input is reported before any rank starts. Also refuses (InputError)
/// a network one rank is estimated to need more memory for than the limit (--max-memory, or
/// the machine's), before anything is allocated, and sets `warnings`.
void validate_train(TrainOptions& opts);

/// Collective on the reducer: runs `symsweep train` with validated options (every rank of the
/// team holds its shard). Only rank 0 of the team prints. First, every rank agrees on the
/// memory check (InputError on every rank when any rank's limit is too small).
int run_train(const TrainOptions& opts, core::Reducer& reducer);

}  // namespace symsweep::sweeps
