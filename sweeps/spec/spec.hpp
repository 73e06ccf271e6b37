#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "symsweep/core/resources.hpp"
#include "symsweep/core/run.hpp"
#include "spec/run_identity.hpp"

namespace symsweep::sweeps {

/// A parsed and validated sweep spec (TOML):
///   [sweep] name, seeds (list or count), ranks_per_run, max_attempts, skip_invalid,
///           checkpoint_every_steps (default 0: off), checkpoint_every_seconds (default 60),
///           lease_seconds (default 60), save_particles (default false: keep each finished
///           run's final particles in DB.particles/, docs/particles.md)
///   [grid]  group, width, data_fraction, augment (lists, or {linspace|logspace = [a, b, k]}
///           for numbers); any [train] key may be an axis instead of a fixed value. Instead of
///           one [grid], several [[grid]] blocks: the sweep is the union of their grids (each
///           block a product of its own axes, [train] and the seeds shared; a point in two blocks
///           is one run), e.g. a fine fraction grid around each cell's critical fraction
///   [train] width, optimizer, lr, weight_decay, init_scale, steps, precision, log_every
struct SweepSpec {
  std::string path;
  std::string text;  ///< the file as read
  std::string hash;  ///< content_hash of the text
  std::string name;
  std::vector<std::uint64_t> seeds;
  int ranks_per_run = 1;
  int max_attempts = 3;
  bool skip_invalid = false;
  std::int64_t checkpoint_every_steps = 0;  ///< 0: none by step count
  double checkpoint_every_seconds = 60.0;   ///< 0: none by time
  /// A job whose heartbeat is older than this is dead and its runs are taken over.
  double lease_seconds = 60.0;
  /// Each run that ends done keeps its final particles (q x 3n float64 .npy) beside the
  /// database, named in its row (runs.particles).
  bool save_particles = false;
  std::vector<PlannedRun> runs;       ///< the expanded grid, in grid order
  /// Every group of the expanded grid (canonical spec) and the shape of its GroupContext, for
  /// resource estimates (sweeps/limits.hpp).
  std::map<std::string, core::TaskShape> tasks;
  std::vector<std::string> warnings;  ///< skipped grid points (skip_invalid = true)
  /// What each group axis by structure ({smallgroups = [...]}) selected, a line per order.
  std::vector<std::string> group_selections;
};

/// Limits checked before a spec's grid is expanded.
struct SpecLimits {
  /// Largest number of runs (grid points x seeds) a spec may have; `run --max-runs`.
  std::int64_t max_runs = 100000;
};

/// Reads, validates and expands a spec file. Throws InputError with one line
/// "PATH:LINE: [table] key: what is wrong (expected ...)" on the first problem; nothing is
/// written anywhere. An axis that repeats a value (after canonicalisation) is an error; a grid
/// of more than `limits.max_runs` runs is refused from the axis lengths, before anything is
/// expanded.
SweepSpec load_spec(const std::string& path, const SpecLimits& limits = {});

/// The same from text (path used in messages only).
SweepSpec parse_spec(const std::string& text, const std::string& path,
                     const SpecLimits& limits = {});

}  // namespace symsweep::sweeps
