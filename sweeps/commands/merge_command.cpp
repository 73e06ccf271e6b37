#include "commands/merge_command.hpp"

#include <fmt/core.h>

#include "commands/cli.hpp"
#include "store/merge.hpp"

namespace symsweep::sweeps {

int merge_databases(const MergeOptions& opts) {
  const std::vector<MergeCounts> counts =
      merge_results(opts.out, opts.inputs, [](const std::string& warning) {
        fmt::print(stderr, "symsweep merge: warning: {}\n", warning);
      });
  for (std::size_t i = 0; i < counts.size(); ++i) {
    const MergeCounts& c = counts[i];
    fmt::print("{}: {} runs added, {} replaced, {} skipped; {} sweeps added{}\n", opts.inputs[i],
               c.added, c.replaced, c.skipped, c.sweeps_added,
               c.particles > 0 ? fmt::format("; {} particle files copied", c.particles) : "");
  }
  std::fflush(stdout);
  return kExitOk;
}

}  // namespace symsweep::sweeps
