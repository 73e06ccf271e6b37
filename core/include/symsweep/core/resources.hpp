#pragma once

#include <cstdint>
#include <string>

#include "symsweep/core/group.hpp"
#include "symsweep/core/run.hpp"

namespace symsweep::core {

/// The nominal speed that turns flop counts into seconds: 20 GFLOP/s per rank (one core). An
/// order of magnitude only: Eigen's f32 products of a training step reach 80-140 GFLOP/s on a
/// recent AVX-512 core, the complex f64 products of a logged measurement about 20-40, an old or
/// busy core far less. Time estimates are meant for "seconds or hours?", not for scheduling.
inline constexpr double kNominalFlopsPerSecond = 20e9;
/// Nominal memory bandwidth per rank, for the streaming part of a training step.
inline constexpr double kNominalBytesPerSecond = 10e9;
/// Nominal rate at which newly allocated memory is first touched (the kernel zeroes each page;
/// 1-5 GB/s, 1.2 GB/s measured on the 2-core VM of the README): what dominates a logged
/// measurement of a small group with a large width.
inline constexpr double kNominalFreshBytesPerSecond = 2e9;

/// Which monomial potentials a logged step of a group computes (see GroupContext).
enum class MpKind {
  kNone,        ///< a non-abelian group beyond GroupContext::kMaxIrrepOrder (potentials != full)
  kCharacters,  ///< closed-form characters (cyclic factors): the dual group
  kIrreps,      ///< every other group: irreducible representations
};

/// What the estimate needs to know about a group: its order and which GroupContext it builds.
struct TaskShape {
  int order = 0;
  MpKind mp = MpKind::kNone;
  /// kIrreps: the largest irrep degree and sum_tau d_tau^6 (character_degrees), which size a
  /// logged step's M_tau; 0 when unknown (then bounded from the order).
  int max_degree = 0;
  double sum_d6 = 0.0;
};

/// The shape of the GroupContext that `g` builds (no GroupContext is built);
/// `irreps_at_any_order` as GroupContext's (a run with potentials = full).
TaskShape task_shape(const Group& g, bool irreps_at_any_order = false);

/// How a run is executed, beside its configuration.
struct ExecutionShape {
  int ranks = 1;          ///< P, the ranks of the team: a rank holds ceil(q / P) particles
  int augment_order = 1;  ///< |H|: the training set grows to about n^2 (1 - (1 - f)^|H|) pairs
  /// Checkpoints are written (and read back when resuming): the team's whole state (particles
  /// and optimiser moments of all q particles) is gathered on every rank of the team.
  bool checkpoints = false;
  /// `train --save-particles`: the whole network is gathered, in f64, on every rank at the end.
  bool save_particles = false;
  /// Memory the process holds besides this run (the expanded sweep spec, Tasks of other groups
  /// cached by a team), added to the peak.
  double other_bytes = 0.0;
};

/// Estimated peak memory of one rank, by what holds it (bytes; doubles, so that absurd
/// configurations do not overflow). Not every part is alive at once: the peak is the largest of
/// the phases of a run (splitting, training with its logged measurements and checkpoints,
/// gathering the particles at the end).
struct MemoryEstimate {
  double task = 0.0;         ///< the group's GroupContext: Cayley table, all n^2 pairs, dual group / irreps
  double split = 0.0;        ///< the train / test pairs (and the temporaries that draw them)
  double particles = 0.0;    ///< q/P x 3n weights, and the initial invariants
  double optimizer = 0.0;    ///< AdamW's two moments (2 x particles); 0 for gd
  double gradient = 0.0;     ///< the gradient (same shape as the particles)
  double activations = 0.0;  ///< a training step's buffers: two q/P x chunk and one n x chunk
  double measurement = 0.0;  ///< the temporaries of one logged step (f64 copies, Fourier ...)
  double checkpoint = 0.0;   ///< gathered whole-network state while checkpointing / resuming
  double gather = 0.0;       ///< `--save-particles`: the whole network in f64 at the end
  double log = 0.0;          ///< the logged metrics, kept in memory until the run ends
  double other = 0.0;        ///< ExecutionShape::other_bytes
  double peak = 0.0;         ///< the largest phase: what a rank needs
};

/// The estimate of one run on one rank.
struct ResourceEstimate {
  MemoryEstimate memory;
  double train_pairs = 0.0;    ///< |T|, expected
  double step_flops = 0.0;     ///< one training step, on one rank
  double measure_flops = 0.0;  ///< one logged measurement, on one rank
  /// step_flops at kNominalFlopsPerSecond, plus its memory traffic at kNominalBytesPerSecond
  double step_seconds = 0.0;
  /// measure_flops at kNominalFlopsPerSecond, plus its fresh allocations at
  /// kNominalFreshBytesPerSecond
  double measure_seconds = 0.0;
  double logged_steps = 0.0;  ///< how many steps are measured (step 0, every log_every, the last)
  double run_seconds = 0.0;   ///< steps x step + logged x measurement, nominal
};

/// Estimates the memory and time of one run of `cfg` (its width, fraction, precision,
/// optimizer, steps and log_every) on a group of shape `task`, without allocating anything.
/// The formulas follow what core/model.cpp, train.cpp, potentials.cpp, irrep_potentials.cpp,
/// diagnostics.cpp, data.cpp and run.cpp allocate; tests/sweeps/test_cli.cpp checks them against
/// the peak RSS of real trainings.
ResourceEstimate estimate_resources(const TaskShape& task, const RunConfig& cfg,
                                    const ExecutionShape& exec = {});

/// The GroupContext of a group of order n alone (bytes), for groups too large to build:
/// about 36 n^2 with characters, 16 n^2 without.
double task_bytes(const TaskShape& task);

/// "38.2 GiB", "512 MiB", "17 KiB", "900 B" (binary units, 3 significant digits).
std::string format_bytes(double bytes);

/// "0.2 ms", "3.4 s", "5.1 min", "2.3 h", "4.0 days".
std::string format_seconds(double seconds);

/// The non-negligible parts of an estimate, largest first: "activations 11.4 GiB, measurement
/// 17.0 GiB, ...". Parts under 1 % of the peak are left out.
std::string describe_memory(const MemoryEstimate& m);

}  // namespace symsweep::core
