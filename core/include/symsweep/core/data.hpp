#pragma once

#include <Eigen/Dense>
#include <cstdint>
#include <string>
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

/// The frequency set of a `target_frequencies` setting (docs/model.md, "Partial targets"): a
/// comma-separated list of dual-group indices k or ranges k1-k2 (k1 <= k2), e.g. "1-5" or
/// "1,3,6-8". With `n` = 0 only the syntax is checked and the indices are returned as listed
/// (sorted, unique); with a group order n each index must be below n. InputError naming the
/// setting and the bad item otherwise.
std::vector<int> parse_frequency_list(const std::string& list, int n);

/// The training targets of a partial task: an n x n matrix whose column y is the projection of
/// e_y onto the characters chi_k with k in K, the listed frequencies closed under negation
/// (so the target is real): t_y[c] = (1/n) sum_{k in K} chi_k(y) conj(chi_k(c)). With every
/// frequency listed it is e_y itself. Needs a group with characters (cyclic or product); throws
/// InputError otherwise.
Eigen::MatrixXd frequency_targets(const Group& g, const std::string& list);
/// The checks of frequency_targets alone: the listed frequencies of g (InputError as above).
std::vector<int> group_frequency_list(const Group& g, const std::string& list);

/// Number of connected components of the bipartite graph a1 -- a2 over the pairs (elements in no
/// pair count as their own components): kappa(T) of docs/conservation.md.
int bipartite_components(int n, const Samples& s);

}  // namespace symsweep::core
