#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "symsweep/core/resources.hpp"
#include "symsweep/core/run.hpp"
#include "spec/spec.hpp"

namespace symsweep::sweeps {

/// A logged measurement estimated to take longer than this (nominal seconds) is warned about.
inline constexpr double kSlowMeasurementSeconds = 60.0;

/// The memory one rank may use, and where the figure comes from (for messages).
struct MemoryLimit {
  std::uint64_t bytes = 0;
  /// "--max-memory", "MemAvailable", "cgroup memory.max", with the ranks sharing it, e.g.
  /// "MemAvailable 21.4 GiB shared by 3 ranks on this node".
  std::string source;
};

/// Parses a size: plain bytes ("1073741824"), or a number with a binary unit K, M, G, T, P (also
/// written KiB / KB ..., any case; all powers of 1024): "512M", "4G", "1.5GiB". Throws InputError
/// naming `flag` unless it is a size > 0.
std::uint64_t parse_memory_size(const std::string& text, std::string_view flag);

/// MemAvailable of a /proc/meminfo text, in bytes; nullopt when absent.
std::optional<std::uint64_t> mem_available(const std::string& meminfo);

/// The smallest memory limit of the cgroups of this process (cgroup v2 memory.max, or v1
/// memory.limit_in_bytes, of its cgroup and the ones above it); nullopt when unlimited or
/// unknown.
std::optional<std::uint64_t> cgroup_memory_limit();

/// Ranks of this job on this node as the launcher announces them (OMPI_COMM_WORLD_LOCAL_SIZE,
/// MPI_LOCALNRANKS, PMIX_LOCAL_SIZE); 1 when launched alone.
int ranks_on_this_node();

/// Ranks of this job as the launcher announces them before MPI starts (OMPI_COMM_WORLD_SIZE,
/// PMI_SIZE, SLURM_NTASKS); 1 when launched alone.
int launcher_world_size();

/// The per-rank limit: `max_memory_flag` parsed (it is per rank), or when empty the machine's
/// default: MemAvailable, or the cgroup's limit if smaller, divided by the ranks on this node.
/// Throws InputError naming --max-memory for a bad value.
MemoryLimit memory_limit(const std::string& max_memory_flag);

/// memory_limit(max_memory_flag).bytes.
std::uint64_t memory_limit_bytes(const std::string& max_memory_flag);

/// `train`: throws InputError (one line: the estimate, its largest parts and the limit) when one
/// rank of a team of `ranks` would need more than `limit`; returns warnings (one line each): a
/// logged measurement estimated to take more than kSlowMeasurementSeconds.
std::vector<std::string> check_train_resources(const core::RunConfig& cfg,
                                               const core::TaskShape& task, int augment_order,
                                               int ranks, bool save_particles,
                                               const MemoryLimit& limit);

/// `run`: the same for every run of the expanded spec, with teams of `ranks_per_run` ranks (pass
/// the smallest team's size: a remainder team holds more particles per rank), checkpoints as the
/// spec sets them, and the Tasks of every group of the spec (a team caches them) plus the
/// expanded spec itself counted on every rank. Throws InputError naming the worst grid point
/// (group, width, precision), its estimate and the limit; returns the warnings (at most one: the
/// slowest logged measurement, with how many runs are as slow). `limit_source` (e.g.
/// MemoryLimit::source) is named in the message when not empty.
std::vector<std::string> check_spec_resources(const SweepSpec& spec, int ranks_per_run,
                                              std::uint64_t limit_bytes,
                                              const std::string& limit_source = "");

}  // namespace symsweep::sweeps
