#pragma once

// The context every run on one group shares, built once per group.

#include <memory>
#include <optional>

#include "symsweep/core/data.hpp"
#include "symsweep/core/group.hpp"
#include "symsweep/core/irrep_potentials.hpp"
#include "symsweep/core/irreps.hpp"
#include "symsweep/core/potentials.hpp"

namespace symsweep::core {

/// Group-level context every run on that group shares: the group, its dual (abelian groups
/// with cyclic factors) or its irreducible representations (every other group up to
/// kMaxIrrepOrder elements), and the all-pairs sample set. Built once per group.
class GroupContext {
 public:
  /// Larger groups without characters get no MP metrics (the irreps cost O(n^3) to build and
  /// each logged step O(q n^3)).
  static constexpr int kMaxIrrepOrder = 256;
  explicit GroupContext(Group g);
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


/// The former name of GroupContext.
using Task [[deprecated("symsweep::core::Task is now GroupContext")]] = GroupContext;

}  // namespace symsweep::core
