#pragma once

#include <string>
#include <vector>

namespace symsweep::sweeps {

/// `symsweep merge OUT IN...`.
struct MergeOptions {
  std::string out;                  ///< created (or migrated) when needed
  std::vector<std::string> inputs;  ///< opened read-only, merged in order
};

/// Merges the inputs into `opts.out` (store/merge.hpp: runs deduplicated by config hash, the
/// finished copy kept, all inputs or none), prints warnings to stderr and a summary line per
/// input.
int merge_databases(const MergeOptions& opts);

}  // namespace symsweep::sweeps
