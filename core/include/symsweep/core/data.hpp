#pragma once

#include <cstdint>
#include <vector>

#include "symsweep/core/group.hpp"

namespace symsweep::core {

/// A sample set of the composition task: parallel arrays of pairs (a1, a2) with label a1*a2.
struct Samples {
  std::vector<int> a1, a2, y;
  std::size_t size() const { return a1.size(); }
  void push(int x1, int x2, int label) {
    a1.push_back(x1);
    a2.push_back(x2);
    y.push_back(label);
  }
};

/// Train / test split of all n^2 pairs (docs/model.md).
struct Split {
  Samples train;
  Samples test;             ///< complement of train; empty when f = 1 (test metrics are null)
  std::size_t sampled = 0;  ///< round(f n^2): pairs drawn before augmentation
};

/// Draws round(f n^2) pairs uniformly without replacement from the seed, then adds the orbits
/// of `subgroup` (element list, see make_subgroup) acting by (a1, a2) -> (h a1, a2).
/// Pairs are listed in increasing pair index a1*n + a2. Throws InputError unless 0 < f <= 1.
Split make_split(const Group& g, double fraction, const std::vector<int>& subgroup,
                 std::uint64_t seed);

/// Every pair of the group, in pair-index order.
Samples all_pairs(const Group& g);

/// Number of connected components of the bipartite graph a1 -- a2 over the pairs (elements in no
/// pair count as their own components): kappa(T) of docs/conservation.md.
int bipartite_components(int n, const Samples& s);

}  // namespace symsweep::core
