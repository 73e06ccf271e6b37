#pragma once

#include <Eigen/Dense>
#include <functional>
#include <vector>
#include <map>
#include <memory>
#include <string>

#include "symsweep/core/train.hpp"

namespace symsweep::core {

/// Everything that defines one run of a sweep: the task, the split and the training settings.
struct RunConfig {
  std::string group = "cyclic:23";
  double data_fraction = 0.5;
  std::string augment = "none";
  TrainConfig train;

  /// Throws InputError naming the field (the group and augment specs are checked when the run
  /// resolves them; see GroupContextCache).
  void validate() const;
  /// validate(), and also resolves the group and augment specs (so a bad group or a subgroup
  /// that does not exist is an InputError here, before anything starts).
  void validate_fully() const;
  bool operator==(const RunConfig&) const = default;
};

/// How a run ended. kInterrupted: stopped early on request after writing a checkpoint; it is
/// not finished and continues from the checkpoint when run again.
enum class RunStatus { kDone, kDiverged, kFailed, kInterrupted };
const char* to_string(RunStatus s);

/// A finished (or failed) run: its status, its logged metrics and the facts of its split.
struct RunOutcome {
  RunStatus status = RunStatus::kDone;
  std::string error;  ///< why a failed run failed (empty otherwise)
  TrainResult result;
  int group_order = 0;
  bool abelian = false;
  int augment_order = 1;
  std::size_t train_pairs = 0;
  std::size_t sampled_pairs = 0;
  /// Why the logged steps measured only rho_kkk (potentials_note); empty when they measured
  /// what was asked.
  std::string potentials_note;
  /// The level of core's kernels that trained it (kernel_isa(), docs/kernels.md); when the
  /// team's ranks ran different levels, "LOW..HIGH (mixed)".
  std::string kernels;
};

/// Group-level contexts shared by every run on the same group (its dual group, all pairs).
/// Not thread-safe.
class GroupContextCache {
 public:
  /// The GroupContext of a group spec, built on first use (and built again with irreps when
  /// `irreps_at_any_order` asks for the irreps a cached context left out). Throws InputError
  /// on a bad spec.
  const GroupContext& get(const std::string& group_spec, bool irreps_at_any_order = false);

 private:
  std::map<std::string, std::unique_ptr<GroupContext>> tasks_;
};

/// The former name of GroupContextCache.
using TaskCache [[deprecated("symsweep::core::TaskCache is now GroupContextCache")]] =
    GroupContextCache;

/// Checkpointing and stopping of one run (see TrainControl).
struct RunControl {
  std::string checkpoint_path;  ///< empty: no checkpoints
  std::string run_key;          ///< identifies the run inside its checkpoint (the config hash)
  std::int64_t checkpoint_every_steps = 0;
  double checkpoint_every_seconds = 0.0;
  std::function<bool()> stop_requested;
  /// Problems met while resuming (a damaged checkpoint, then ignored), for the caller to show.
  std::vector<std::string> warnings;
  int failed_saves = 0;           ///< checkpoints that could not be written (warned once)
  bool resumed = false;           ///< set when the run continued from a checkpoint
  std::int64_t resumed_step = 0;  ///< the step it continued from
};

/// Estimated cost of a run, n^3 q steps f (for scheduling largest-first).
double estimated_cost(const RunConfig& cfg, int group_order);

/// Collective on the reducer: trains one run on this rank's shard of its particles.
/// Diverged runs come back with status kDiverged. Throws InputError for an invalid config (on
/// every rank alike, before any collective call). When `particles` is not null, the final
/// particles of the whole network (q x 3n, gathered through the reducer) are stored there.
/// With `control`, the run resumes from its newest usable checkpoint (every rank reads the file
/// and the team agrees it is usable, else the run starts afresh with a warning), checkpoints as
/// configured (the team's state gathered on rank 0, which writes the file), and stops early when
/// asked (status kInterrupted).
RunOutcome execute_run(const RunConfig& cfg, Reducer& reducer, GroupContextCache& cache,
                       const LogCallback& on_log = {}, Eigen::MatrixXd* particles = nullptr,
                       RunControl* control = nullptr);

}  // namespace symsweep::core
