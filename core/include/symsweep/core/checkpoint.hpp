#pragma once

#include <optional>
#include <string>

#include "symsweep/core/train.hpp"

namespace symsweep::core {

/// A checkpoint file could not be used (truncated, corrupt, or of another run).
class CheckpointError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Writes the whole network's particles and training state (every particle, not a shard) for
/// the run identified by `run_key`: written to PATH.tmp, flushed to disk, then the previous
/// checkpoint is kept as PATH.prev and PATH.tmp renamed to PATH, so a crash at any point leaves
/// a complete checkpoint. The file ends with a 64-bit checksum of everything before it.
template <typename T>
void save_checkpoint(const std::string& path, const std::string& run_key, const Particles<T>& p,
                     const TrainState<T>& state);

/// Reads a checkpoint written by save_checkpoint for `run_key`, with values of type T. Throws
/// CheckpointError when the file is truncated, its checksum does not match, or it belongs to
/// another run or precision.
template <typename T>
std::pair<Particles<T>, TrainState<T>> load_checkpoint(const std::string& path,
                                                       const std::string& run_key);

/// The newest usable checkpoint of a run: PATH, else PATH.prev (a deleted or damaged newest
/// checkpoint falls back to the one before). Problems found on the way are appended to
/// `warnings`. nullopt when neither is usable.
template <typename T>
std::optional<std::pair<Particles<T>, TrainState<T>>> load_latest_checkpoint(
    const std::string& path, const std::string& run_key, std::vector<std::string>& warnings);

/// Removes a run's checkpoint files (PATH, PATH.prev, PATH.tmp); missing files are fine.
void remove_checkpoints(const std::string& path);

}  // namespace symsweep::core
