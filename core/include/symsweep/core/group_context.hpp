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

/// Group-level context every run on that group shares: the group, its dual (abelian groups)
/// or its irreducible representations (every other group up to kMaxIrrepOrder elements, or of
/// any order when asked), and the all-pairs sample set. Built once per group.
class GroupContext {
 public:
  /// Beyond this order a group without closed-form characters gets no MP metrics unless
  /// asked (potentials = full): Dixon's method costs O(n^3) once per group and rank
  /// (dixon_cost_estimate), a logged step O(q n^3) (README, "Irreps at every size").
  static constexpr int kMaxIrrepOrder = 2048;
  /// `irreps_at_any_order`: build the irreps of a non-abelian group beyond kMaxIrrepOrder too.
  explicit GroupContext(Group g, bool irreps_at_any_order = false);
  /// Whether a GroupContext(g, irreps_at_any_order) builds irreps (non-abelian groups only).
  static bool builds_irreps(const Group& g, bool irreps_at_any_order);
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
