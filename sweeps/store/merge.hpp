#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace symsweep::sweeps {

/// What merging one input changed in the output.
struct MergeCounts {
  std::int64_t added = 0;         ///< runs new to the output
  std::int64_t replaced = 0;      ///< runs whose input copy is further along (see merge_results)
  std::int64_t skipped = 0;       ///< runs the output already had as far along
  std::int64_t sweeps_added = 0;  ///< sweeps new to the output (by name)
  std::int64_t particles = 0;     ///< saved-particles files copied beside the output
};

/// Receives a warning (one line, without a prefix) while the merge goes on.
using MergeWarning = std::function<void(const std::string&)>;

/// Merges the results databases `inputs` (opened read-only, merged in order) into `out`: sweeps
/// unioned by name (the output's spec is kept, with a warning when an input's differs), runs
/// deduplicated by config hash with the copy that is further along (done, then failed or
/// diverged, then pending or running; the output's on a tie) kept together with its
/// metrics, potentials and attempts, sweep membership unioned, fits copied unless already there.
/// The saved particles of the runs copied from an input (runs.particles) are copied from
/// IN.particles/ into OUT.particles/ (each file read, checked and written whole before the
/// transaction commits); a file the input names but does not have is reported and its run's
/// `particles` left NULL.
/// Every input is checked before `out` is touched; all of them go in one transaction, so a
/// failure leaves an existing `out` as it was, and a new `out` (built under a temporary name
/// beside it and renamed into place at the end) not there at all. Returns the counts per input.
/// Throws InputError when `out` is empty or is an input, or no input is given, DatabaseError
/// for a file that is not a results database, Error otherwise.
std::vector<MergeCounts> merge_results(const std::string& out,
                                       const std::vector<std::string>& inputs,
                                       const MergeWarning& warn);

}  // namespace symsweep::sweeps
