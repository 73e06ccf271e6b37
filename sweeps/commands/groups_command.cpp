#include "commands/groups_command.hpp"

#include <fmt/core.h>
#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "commands/cli.hpp"
#include "symsweep/core/gap.hpp"
#include "symsweep/core/group.hpp"

namespace symsweep::sweeps {

int run_groups(int order, bool json) {
  if (order == 0) {
    fmt::print("{}", core::group_families_help());
    return kExitOk;
  }
  const std::vector<core::SmallGroupInfo> groups = core::small_groups(order);
  if (json) {
    nlohmann::json list = nlohmann::json::array();
    for (const core::SmallGroupInfo& g : groups) {
      list.push_back({{"spec", g.spec()},
                      {"order", g.order},
                      {"index", g.index},
                      {"structure", g.structure},
                      {"abelian", g.abelian},
                      {"classes", g.classes()},
                      {"degrees", g.degrees}});
    }
    fmt::print("{}\n", list.dump(2));
    return kExitOk;
  }
  std::size_t spec_width = 4, structure_width = 9;
  for (const core::SmallGroupInfo& g : groups) {
    spec_width = std::max(spec_width, g.spec().size());
    structure_width = std::max(structure_width, g.structure.size());
  }
  fmt::print("{} group{} of order {} (GAP's small-group library)\n", groups.size(),
             groups.size() == 1 ? "" : "s", order);
  fmt::print("{:<{}}  {:<{}}  {:<11}  {:>7}  {}\n", "spec", spec_width, "structure",
             structure_width, "abelian", "classes", "irrep degrees");
  for (const core::SmallGroupInfo& g : groups) {
    fmt::print("{:<{}}  {:<{}}  {:<11}  {:>7}  {}\n", g.spec(), spec_width, g.structure,
               structure_width, g.abelian ? "abelian" : "non-abelian", g.classes(),
               fmt::join(g.degrees, ","));
  }
  return kExitOk;
}

}  // namespace symsweep::sweeps
