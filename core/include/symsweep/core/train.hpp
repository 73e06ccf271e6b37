#pragma once

// The training loop: one run of gradient flow on a shard of particles, with its checkpoints,
// early stops and logged measurements.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "symsweep/core/data.hpp"
#include "symsweep/core/diagnostics.hpp"
#include "symsweep/core/group_context.hpp"
#include "symsweep/core/metrics.hpp"
#include "symsweep/core/model.hpp"
#include "symsweep/core/reducer.hpp"
#include "symsweep/core/train_config.hpp"

namespace symsweep::core {

/// A logged step of a character group costs this many training steps at most with the
/// default potentials = auto; beyond, it measures only rho_kkk.
inline constexpr double kMaxMeasureSteps = 10.0;

/// What measuring every rho_{k1 k2 k} costs, in training steps of `cfg.precision` on
/// `train_pairs` pairs of a group of order n, from the operation counts: the potentials take
/// 4 n^3 q real f64 products (one k of each pair {k, -k}, n x n complex per k), a step
/// 6 |T| q n in its own precision (f32 runs twice as many per second as f64). Independent of q
/// and of the machine, so every rank and every rerun decides alike.
double potentials_cost_in_steps(const TrainConfig& cfg, int n, std::size_t train_pairs);

/// Whether the logged steps of this run measure every rho_{k1 k2 k} (true) or only rho_kkk.
bool measures_full_potentials(const TrainConfig& cfg, int n, std::size_t train_pairs);

/// Empty when the run measures what it was asked to; else why a logged step measures only
/// rho_kkk (for the output and the database).
std::string potentials_note(const TrainConfig& cfg, int n, std::size_t train_pairs);

/// Why the logged steps on `task`'s group measure no monomial potentials at all: a non-abelian
/// group beyond GroupContext::kMaxIrrepOrder whose context has no irreps. Names the order, the
/// limit, what Dixon's method would cost (dixon_cost_estimate) and potentials = full. "" when
/// the context has irreps or closed-form characters.
std::string irreps_note(const GroupContext& task);

/// The factor kappa = gain 2nq by which the MPs of a network with output gain `head.gain` are
/// those of its particles with w_c scaled: the MPs are reported for the function the network
/// computes, at the scale where the symbolic solution sits at 0 and 1 (mean-field: 1).
double mp_scale(const Head& head, int n, std::int64_t q);

/// Collective on the reducer: all metrics of the network whose local particles are `p`
/// (`full_potentials` false: of the MPs only rho_kkk, without max_offtarget_mp and binary_gap),
/// with losses and MPs under `head` (docs/model.md).
template <typename T>
StepMetrics measure(const GroupContext& task, const Split& split, const Particles<T>& p,
                    const Invariants& initial, std::int64_t step, Reducer& reducer,
                    bool full_potentials = true, const Head& head = {});

/// Optimiser state of a shard: Adam(W)'s moments per block (a, b, c) and its step count, sgd's
/// momentum buffer in m (v empty); empty for gd and for sgd without momentum.
template <typename T>
struct OptimizerState {
  typename Particles<T>::Mat m[3], v[3];
  std::int64_t t = 0;
};

/// What a run needs, beside its particles, to continue bit for bit from a step: the step,
/// the optimiser state, the log so far, the initial invariants (for the drift) and the time
/// spent. Holds the local shard's part.
template <typename T>
struct TrainState {
  std::int64_t step = 0;
  OptimizerState<T> opt;
  std::vector<StepMetrics> log;
  Invariants initial;
  double wall_seconds = 0.0;
};

/// Hooks of a long run: periodic checkpoints, stopping early, resuming.
template <typename T>
struct TrainControl {
  std::int64_t checkpoint_every_steps = 0;  ///< 0: no step-based checkpoints
  double checkpoint_every_seconds = 0.0;    ///< 0: no time-based checkpoints
  /// Collective: called on every rank with the shard and its state at each checkpoint, and
  /// when the run stops early.
  std::function<void(const Particles<T>&, const TrainState<T>&)> save;
  /// Polled after every step on every rank; the team stops as soon as any rank says so (the
  /// ranks agree through one max-reduction per step).
  std::function<bool()> stop_requested;
  /// When not null, training continues from this state (and the particles passed to train()
  /// are the ones saved with it).
  const TrainState<T>* resume = nullptr;
};

/// Outcome of a run.
struct TrainResult {
  std::vector<StepMetrics> log;  ///< every logged step, the last one = the final state
  bool diverged = false;         ///< the training loss became non-finite
  /// For a diverged run: what became non-finite and at which step ("diverged at step 12:
  /// train_loss became inf").
  std::string diverged_reason;
  bool interrupted = false;      ///< stopped early on request, after a checkpoint
  std::int64_t steps_done = 0;
  double wall_seconds = 0.0;
  /// connected components of the training pairs' bipartite graph (docs/conservation.md)
  int kappa = 0;
};

/// The former name of TrainResult.
using RunResult [[deprecated("symsweep::core::RunResult is now TrainResult")]] = TrainResult;

/// Called after each logged step (on every rank; the metrics are global).
using LogCallback = std::function<void(const StepMetrics&)>;

/// Collective on the reducer: trains `p` in place for cfg.steps steps, logging at step 0, every
/// cfg.log_every steps and at the end. One training loop for one process and for a shard of a
/// team: the reducer makes the partial output sums global. Stops early (diverged) when the
/// loss is not finite; every rank sees the same loss, so every rank stops at the same step.
/// `control` (optional) adds checkpoints, early stops and resuming.
template <typename T>
TrainResult train(const GroupContext& task, const Split& split, const TrainConfig& cfg, Particles<T>& p,
                Reducer& reducer, const LogCallback& on_log = {},
                TrainControl<T>* control = nullptr);

}  // namespace symsweep::core
