#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "symsweep/core/data.hpp"
#include "symsweep/core/error.hpp"
#include "symsweep/core/group.hpp"

namespace symsweep::core {
namespace {

using Pair = std::pair<int, int>;

std::vector<Pair> pairs_of(const Samples& s) {
  std::vector<Pair> out;
  for (std::size_t i = 0; i < s.size(); ++i) out.emplace_back(s.a1[i], s.a2[i]);
  return out;
}

/// Checks that the arrays are parallel, labels are products and pairs are in pair-index order.
void expect_well_formed(const Group& g, const Samples& s) {
  ASSERT_EQ(s.a1.size(), s.a2.size());
  ASSERT_EQ(s.a1.size(), s.y.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    EXPECT_EQ(s.y[i], g.mul(s.a1[i], s.a2[i]));
    if (i > 0) {
      EXPECT_LT(s.a1[i - 1] * g.order() + s.a2[i - 1], s.a1[i] * g.order() + s.a2[i])
          << "not strictly increasing in a1*n + a2 at " << i;
    }
  }
}

/// Train and test partition all n^2 pairs.
void expect_partition(const Group& g, const Split& split) {
  expect_well_formed(g, split.train);
  expect_well_formed(g, split.test);
  const int n = g.order();
  std::vector<int> seen(static_cast<std::size_t>(n) * n, 0);
  for (const Samples* s : {&split.train, &split.test}) {
    for (std::size_t i = 0; i < s->size(); ++i) ++seen[s->a1[i] * n + s->a2[i]];
  }
  EXPECT_EQ(std::count(seen.begin(), seen.end(), 1), static_cast<long>(seen.size()))
      << "every pair exactly once in train or test";
}

/// Reference components by depth-first search over 2n nodes (a-side i, b-side n + j).
int components_by_search(int n, const Samples& s) {
  std::vector<std::vector<int>> adjacent(2 * n);
  for (std::size_t i = 0; i < s.size(); ++i) {
    adjacent[s.a1[i]].push_back(n + s.a2[i]);
    adjacent[n + s.a2[i]].push_back(s.a1[i]);
  }
  std::vector<char> visited(2 * n, 0);
  int components = 0;
  for (int start = 0; start < 2 * n; ++start) {
    if (visited[start]) continue;
    ++components;
    std::vector<int> stack{start};
    visited[start] = 1;
    while (!stack.empty()) {
      const int u = stack.back();
      stack.pop_back();
      for (int v : adjacent[u]) {
        if (!visited[v]) {
          visited[v] = 1;
          stack.push_back(v);
        }
      }
    }
  }
  return components;
}

template <class F>
void expect_input_error(F&& f, const std::string& needle) {
  try {
    f();
    ADD_FAILURE() << "no InputError thrown; expected one mentioning \"" << needle << "\"";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(AllPairs, ListsEveryPairInOrder) {
  for (const char* spec : {"cyclic:1", "cyclic:7", "dihedral:3", "quaternion"}) {
    const Group g = make_group(spec);
    const Samples s = all_pairs(g);
    EXPECT_EQ(s.size(), static_cast<std::size_t>(g.order()) * g.order());
    expect_well_formed(g, s);
  }
}

TEST(Split, TrainSizeIsRoundedFractionWithoutAugmentation) {
  for (const char* spec : {"cyclic:5", "cyclic:12", "dihedral:5", "product:2x2x3", "symmetric:4"}) {
    const Group g = make_group(spec);
    const double n2 = static_cast<double>(g.order()) * g.order();
    for (double f : {0.05, 0.1, 0.3, 0.5, 0.77, 0.999, 1.0}) {
      if (std::llround(f * n2) == 0) continue;
      const Split split = make_split(g, f, make_subgroup(g, "none"), 7);
      EXPECT_EQ(split.sampled, static_cast<std::size_t>(std::llround(f * n2))) << spec << " " << f;
      EXPECT_EQ(split.train.size(), split.sampled) << spec << " " << f;
      EXPECT_EQ(split.test.size(), static_cast<std::size_t>(n2) - split.sampled);
      expect_partition(g, split);
    }
  }
}

TEST(Split, EmptySubgroupMeansNoAugmentation) {
  const Group g = make_group("dihedral:4");
  EXPECT_EQ(pairs_of(make_split(g, 0.4, {}, 3).train),
            pairs_of(make_split(g, 0.4, {g.identity()}, 3).train));
}

TEST(Split, FullFractionHasNoTestSet) {
  for (const char* spec : {"cyclic:6", "quaternion"}) {
    const Group g = make_group(spec);
    const Split split = make_split(g, 1.0, make_subgroup(g, "order:2"), 11);
    EXPECT_TRUE(split.test.a1.empty());
    EXPECT_TRUE(split.test.y.empty());
    EXPECT_EQ(pairs_of(split.train), pairs_of(all_pairs(g)));
  }
}

TEST(Split, DeterministicInTheSeed) {
  const Group g = make_group("cyclic:12");
  const auto none = make_subgroup(g, "none");
  const Split a = make_split(g, 0.3, none, 42);
  const Split b = make_split(g, 0.3, none, 42);
  EXPECT_EQ(a.train.a1, b.train.a1);
  EXPECT_EQ(a.train.a2, b.train.a2);
  EXPECT_EQ(a.test.a1, b.test.a1);
  EXPECT_EQ(a.test.a2, b.test.a2);
  const Split c = make_split(g, 0.3, none, 43);
  EXPECT_EQ(c.train.size(), a.train.size());
  EXPECT_NE(pairs_of(c.train), pairs_of(a.train));
  // Different seeds give many different samples, not a handful.
  std::set<std::vector<Pair>> distinct;
  for (std::uint64_t seed = 0; seed < 20; ++seed)
    distinct.insert(pairs_of(make_split(g, 0.3, none, seed).train));
  EXPECT_EQ(distinct.size(), 20u);
}

TEST(Split, SamplingIsUniform) {
  // Each of the 16 pairs of Z_4 is drawn with probability f = 1/4; over 4000 seeds its count is
  // Binomial(4000, 1/4): mean 1000, sd 27. The bound is 5.5 sd (deterministic seeds: not flaky).
  const Group g = make_group("cyclic:4");
  const auto none = make_subgroup(g, "none");
  std::vector<int> counts(16, 0);
  for (std::uint64_t seed = 0; seed < 4000; ++seed) {
    const Split split = make_split(g, 0.25, none, seed);
    ASSERT_EQ(split.train.size(), 4u);
    for (std::size_t i = 0; i < split.train.size(); ++i)
      ++counts[split.train.a1[i] * 4 + split.train.a2[i]];
  }
  for (int p = 0; p < 16; ++p) EXPECT_NEAR(counts[p], 1000, 150) << "pair " << p;
}

TEST(Split, AugmentedTrainIsTheUnionOfLeftOrbits) {
  struct Case {
    const char* group;
    const char* augment;
    double f;
  };
  for (const Case c : {Case{"cyclic:12", "order:3", 0.1}, Case{"cyclic:12", "order:12", 0.05},
                       Case{"dihedral:6", "order:2", 0.2}, Case{"dihedral:6", "generated:1", 0.1},
                       Case{"symmetric:4", "order:3", 0.1}, Case{"quaternion", "order:4", 0.2}}) {
    SCOPED_TRACE(std::string(c.group) + " " + c.augment);
    const Group g = make_group(c.group);
    const auto h = make_subgroup(g, c.augment);
    const Split plain = make_split(g, c.f, make_subgroup(g, "none"), 5);
    const Split augmented = make_split(g, c.f, h, 5);
    expect_partition(g, augmented);
    EXPECT_EQ(augmented.sampled, plain.sampled) << "the fraction counts the sampled pairs";

    // Expected: the union of the orbits {(x a1, a2) : x in H} of the sampled pairs.
    std::set<Pair> expected;
    for (const auto& [a1, a2] : pairs_of(plain.train)) {
      for (int x : h) expected.emplace(g.mul(x, a1), a2);
    }
    const auto train = pairs_of(augmented.train);
    EXPECT_EQ(std::set<Pair>(train.begin(), train.end()), expected);
    EXPECT_GT(train.size(), plain.train.size());

    // Closed under left translation by H, and contains the sampled pairs.
    const std::set<Pair> train_set(train.begin(), train.end());
    for (const auto& [a1, a2] : train) {
      for (int x : h) EXPECT_TRUE(train_set.count({g.mul(x, a1), a2})) << a1 << "," << a2;
    }
    for (const auto& pair : pairs_of(plain.train)) EXPECT_TRUE(train_set.count(pair));
    // More edges can only merge components.
    EXPECT_LE(bipartite_components(g.order(), augmented.train),
              bipartite_components(g.order(), plain.train));
  }
}

TEST(Split, RejectsBadFractions) {
  const Group g = make_group("cyclic:3");
  const auto none = make_subgroup(g, "none");
  expect_input_error([&] { make_split(g, 0.0, none, 1); }, "data fraction 0");
  expect_input_error([&] { make_split(g, -0.25, none, 1); }, "-0.25");
  expect_input_error([&] { make_split(g, 1.5, none, 1); }, "1.5");
  expect_input_error([&] { make_split(g, std::numeric_limits<double>::quiet_NaN(), none, 1); },
                     "(0, 1]");
  // 9 * 0.05 = 0.45 rounds to no pair at all; 9 * 0.06 = 0.54 rounds to one.
  expect_input_error([&] { make_split(g, 0.05, none, 1); }, "0.05");
  expect_input_error([&] { make_split(g, 0.05, none, 1); }, "cyclic:3");
  EXPECT_EQ(make_split(g, 0.06, none, 1).train.size(), 1u);
  // A list that is not a subgroup of g.
  expect_input_error([&] { make_split(g, 0.5, {0, 3}, 1); }, "element 3");
  expect_input_error([&] { make_split(make_group("cyclic:4"), 0.5, {0, 1}, 1); }, "not closed");
}

TEST(Components, FullDataIsConnected) {
  for (const char* spec : {"cyclic:1", "cyclic:2", "cyclic:12", "dihedral:5", "quaternion"}) {
    const Group g = make_group(spec);
    EXPECT_EQ(bipartite_components(g.order(), all_pairs(g)), 1) << spec;
  }
}

TEST(Components, HandBuiltPairSets) {
  Samples none;
  EXPECT_EQ(bipartite_components(5, none), 10) << "every a-side and b-side element alone";
  Samples s;
  s.push(0, 0, 0);
  s.push(1, 2, 0);
  // {a0, b0}, {a1, b2}, {a2}, {b1}
  EXPECT_EQ(bipartite_components(3, s), 4);
  Samples t;
  t.push(0, 1, 1);
  t.push(1, 1, 2);
  t.push(2, 3, 1);
  t.push(0, 1, 1);  // a repeated edge changes nothing
  // {a0, a1, b1}, {a2, b3}, {a3}, {b0}, {b2}
  EXPECT_EQ(bipartite_components(4, t), 5);
  // The diagonal of Z_n: n edges a -- a, n components.
  Samples diagonal;
  for (int a = 0; a < 6; ++a) diagonal.push(a, a, 0);
  EXPECT_EQ(bipartite_components(6, diagonal), 6);
  Samples bad;
  bad.push(0, 4, 0);
  expect_input_error([&] { bipartite_components(4, bad); }, "(0, 4)");
}

TEST(Components, MatchesSearchOnRandomSplits) {
  for (const char* spec : {"cyclic:8", "cyclic:24", "dihedral:6", "alternating:4"}) {
    const Group g = make_group(spec);
    for (double f : {0.02, 0.05, 0.1, 0.3}) {
      if (std::llround(f * g.order() * g.order()) == 0) continue;
      for (std::uint64_t seed = 0; seed < 5; ++seed) {
        const Split split = make_split(g, f, make_subgroup(g, "none"), seed);
        EXPECT_EQ(bipartite_components(g.order(), split.train),
                  components_by_search(g.order(), split.train))
            << spec << " f=" << f << " seed=" << seed;
      }
    }
  }
}

TEST(FrequencyTargets, ParseListsAndRangesAndRefuseBadItems) {
  EXPECT_EQ(parse_frequency_list("1,3,6-8", 0), (std::vector<int>{1, 3, 6, 7, 8}));
  EXPECT_EQ(parse_frequency_list(" 4 , 2-3,3", 23), (std::vector<int>{2, 3, 4}));
  expect_input_error([] { parse_frequency_list("5-2", 0); }, "\"5-2\"");
  expect_input_error([] { parse_frequency_list("1,x", 0); }, "\"x\"");
  expect_input_error([] { parse_frequency_list("", 0); }, "target_frequencies");
  expect_input_error([] { parse_frequency_list("1,23", 23); }, "below the group order 23");
  expect_input_error([] { frequency_targets(make_group("symmetric:3"), "1"); }, "symmetric");
}

// t_y[c] = (1/n) sum over k in K u -K of cos(2 pi k (y - c) / n) on Z_n: the projection of e_y,
// written with cosines rather than the dual group's characters.
TEST(FrequencyTargets, AreTheProjectionOfTheOneHotTarget) {
  const int n = 23;
  const Group g = make_group("cyclic:23");
  const Eigen::MatrixXd all = frequency_targets(g, "0-22");
  EXPECT_LT((all - Eigen::MatrixXd::Identity(n, n)).cwiseAbs().maxCoeff(), 1e-12);
  const Eigen::MatrixXd lo = frequency_targets(g, "1-5"), hi = frequency_targets(g, "6-11");
  // The two halves of the pairs {k, -k} add up to the centred one-hot target.
  const Eigen::MatrixXd centred =
      Eigen::MatrixXd::Identity(n, n) - Eigen::MatrixXd::Constant(n, n, 1.0 / n);
  EXPECT_LT((lo + hi - centred).cwiseAbs().maxCoeff(), 1e-12);
  for (int y = 0; y < n; ++y) {
    for (int c = 0; c < n; ++c) {
      double want = 0.0;
      for (int k = 1; k <= 5; ++k) want += 2.0 * std::cos(2.0 * M_PI * k * (y - c) / n) / n;
      EXPECT_NEAR(lo(c, y), want, 1e-12) << "y=" << y << " c=" << c;
    }
  }
  // A frequency and its negative give the same target.
  EXPECT_LT((frequency_targets(g, "3") - frequency_targets(g, "20")).cwiseAbs().maxCoeff(), 1e-12);
  // product:3x3: every frequency is the one-hot target; one pair is a rank-2 projection.
  const Group p = make_group("product:3x3");
  EXPECT_LT((frequency_targets(p, "0-8") - Eigen::MatrixXd::Identity(9, 9)).cwiseAbs().maxCoeff(),
            1e-12);
  const Eigen::MatrixXd pair = frequency_targets(p, "1");
  EXPECT_LT((pair * pair - pair).cwiseAbs().maxCoeff(), 1e-12);
  EXPECT_NEAR(pair.trace(), 2.0, 1e-12);
}

}  // namespace
}  // namespace symsweep::core
