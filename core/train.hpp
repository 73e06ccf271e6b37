#pragma once

#include <complex>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/data.hpp"
#include "core/diagnostics.hpp"
#include "core/group.hpp"
#include "core/irrep_potentials.hpp"
#include "core/irreps.hpp"
#include "core/model.hpp"
#include "core/potentials.hpp"
#include "core/reducer.hpp"

namespace symsweep::core {

enum class Optimizer { kGd, kAdamW };
enum class Precision { kF32, kF64 };

Optimizer parse_optimizer(const std::string& s);  ///< "gd" | "adamw", else InputError
Precision parse_precision(const std::string& s);  ///< "f32" | "f64", else InputError
const char* to_string(Optimizer o);
const char* to_string(Precision p);

/// The training settings of one run (docs/model.md). Data fraction and augmentation live in the
/// Split the run trains on.
struct TrainConfig {
  static constexpr std::int64_t kMaxWidth = std::int64_t{1} << 24;  ///< the largest q accepted

  std::int64_t width = 512;    ///< q, the number of particles
  Optimizer optimizer = Optimizer::kAdamW;
  double lr = 3e-3;            ///< eta: the Euler step of the flow (gd) or AdamW's lr
  double weight_decay = 0.1;   ///< lambda: adds lambda/2 ||z_j||^2 per particle
  double init_scale = 0.3;     ///< s: z ~ N(0, s^2 I)
  std::int64_t steps = 2000;
  Precision precision = Precision::kF32;
  std::int64_t log_every = 100;  ///< 0: log only the first and last step
  std::uint64_t seed = 0;
  double beta1 = 0.9, beta2 = 0.999, adam_eps = 1e-8;  ///< AdamW moments (PyTorch defaults)

  /// Throws InputError naming the field and the expected range.
  void validate() const;
  // Every setting travels through core/fields.hpp's visit_train_settings: a new one goes there.
  bool operator==(const TrainConfig&) const = default;
};

/// The monomial potentials of one non-trivial irrep tau (docs/potentials.md), logged once per
/// complex-conjugate pair.
struct IrrepValue {
  int index = 0;      ///< position in the group's IrrepSet (0 is the trivial irrep)
  int dim = 1;        ///< d_tau
  int indicator = 1;  ///< Frobenius-Schur indicator: +1 real, 0 complex, -1 quaternionic
  double rho = 0.0;   ///< rho_tau = Re E tr(B A C) / d_tau, target 1
  double gap = 0.0;   ///< ||M_tau - I_tau||_F / d_tau^(3/2), target 0
  bool operator==(const IrrepValue&) const = default;
};

/// Everything measured at one logged step (docs/). Optional values are null where they
/// do not exist (no test set; MPs of a group without characters).
struct StepMetrics {
  std::int64_t step = 0;
  double train_loss = 0.0, train_acc = 0.0;
  std::optional<double> test_loss, test_acc;
  double full_loss = 0.0;  ///< mean loss over all n^2 pairs
  /// Abelian groups with closed-form characters: rho_kkk, k = 1..n-1.
  std::optional<std::vector<std::complex<double>>> rho_kkk;
  /// Groups without closed-form characters (every non-abelian group): per-irrep MPs.
  std::optional<std::vector<IrrepValue>> irreps;
  /// max_offtarget_mp and frequencies_per_neuron: character groups only; binary_gap: both
  /// (max_tau gap_tau for irreps).
  std::optional<double> max_offtarget_mp, binary_gap, frequencies_per_neuron;
  /// Irrep groups: L_full/n - sum_tau ||M_tau - I_tau||^2 / d_tau (target 0), and the mean share
  /// of a neuron's Fourier energy on its largest irrep (1: every neuron uses one irrep).
  std::optional<double> off_target_energy, irrep_concentration;
  double effective_dim = 0.0;
  Drift drift;
  // The fields travel through core/fields.hpp's visit_step_scalars / visit_step_vectors: a new
  // field goes there too.
  bool operator==(const StepMetrics&) const = default;
};

/// Group-level context every run on that group shares: the group, its dual (abelian groups
/// with cyclic factors) or its irreducible representations (every other group up to
/// kMaxIrrepOrder elements), and the all-pairs sample set. Built once per group.
class Task {
 public:
  /// Larger groups without characters get no MP metrics (the irreps cost O(n^3) to build and
  /// each logged step O(q n^3)).
  static constexpr int kMaxIrrepOrder = 256;
  explicit Task(Group g);
  const Group& group() const { return group_; }
  const DualGroup* dual() const { return dual_ ? &*dual_ : nullptr; }
  const IrrepSet* irreps() const { return irreps_.get(); }
  const IrrepPotentials* irrep_potentials() const { return irrep_potentials_.get(); }
  const Samples& all_pairs() const { return all_; }

 private:
  Group group_;
  std::optional<DualGroup> dual_;
  std::unique_ptr<IrrepSet> irreps_;
  std::unique_ptr<IrrepPotentials> irrep_potentials_;
  Samples all_;
};

/// Collective on the reducer: all metrics of the network whose local particles are `p`.
template <typename T>
StepMetrics measure(const Task& task, const Split& split, const Particles<T>& p,
                    const Invariants& initial, std::int64_t step, Reducer& reducer);

/// Optimiser state of a shard: AdamW's moments per block (a, b, c) and its step count; empty
/// for gd.
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
struct RunResult {
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

/// Called after each logged step (on every rank; the metrics are global).
using LogCallback = std::function<void(const StepMetrics&)>;

/// Collective on the reducer: trains `p` in place for cfg.steps steps, logging at step 0, every
/// cfg.log_every steps and at the end. One training loop for one process and for a shard of a
/// team: the reducer makes the partial output sums global. Stops early (diverged) when the
/// loss is not finite; every rank sees the same loss, so every rank stops at the same step.
/// `control` (optional) adds checkpoints, early stops and resuming.
template <typename T>
RunResult train(const Task& task, const Split& split, const TrainConfig& cfg, Particles<T>& p,
                Reducer& reducer, const LogCallback& on_log = {},
                TrainControl<T>* control = nullptr);

}  // namespace symsweep::core
