#include "symsweep/core/data.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <numeric>
#include <string>
#include <utility>

#include "symsweep/core/error.hpp"
#include "symsweep/core/potentials.hpp"
#include "random.hpp"

namespace symsweep::core {
namespace {

/// Rng stream of the train/test split ("SPLIT" in ASCII). Changing it changes every split drawn
/// from a given seed, so it is fixed forever.
constexpr std::uint64_t kSplitStream = 0x53504c4954ULL;

/// Shortest decimal text that reads back as `x` (so 0.1 prints as "0.1").
std::string format_double(double x) {
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof(buffer), x);
  return std::string(buffer, result.ptr);
}

/// Union-find with path halving and union by size.
class DisjointSets {
 public:
  explicit DisjointSets(int count) : parent_(count), size_(count, 1) {
    std::iota(parent_.begin(), parent_.end(), 0);
  }
  int find(int x) {
    while (parent_[x] != x) x = parent_[x] = parent_[parent_[x]];
    return x;
  }
  /// Returns true when x and y were in different sets.
  bool unite(int x, int y) {
    x = find(x);
    y = find(y);
    if (x == y) return false;
    if (size_[x] < size_[y]) std::swap(x, y);
    parent_[y] = x;
    size_[x] += size_[y];
    return true;
  }

 private:
  std::vector<int> parent_;
  std::vector<int> size_;
};

}  // namespace

Split make_split(const Group& g, double fraction, const std::vector<int>& subgroup,
                 std::uint64_t seed) {
  const int n = g.order();
  const std::uint64_t pairs = static_cast<std::uint64_t>(n) * static_cast<std::uint64_t>(n);
  const std::string f_text = "data fraction " + format_double(fraction);
  if (!(fraction > 0.0 && fraction <= 1.0)) {  // written so that NaN fails too
    throw InputError(f_text + ": expected a value in (0, 1]");
  }
  const long long sampled = std::llround(fraction * static_cast<double>(pairs));
  if (sampled < 1) {
    throw InputError(f_text + " is too small for group " + g.spec() + ": round(f * " +
                     std::to_string(pairs) + ") = 0 pairs; expected f >= 1/(2*" +
                     std::to_string(pairs) + ")");
  }

  // An empty element list means no augmentation, like {e}.
  for (int h : subgroup) {
    if (h < 0 || h >= n) {
      throw InputError("augmentation subgroup: element " + std::to_string(h) + " is outside 0.." +
                       std::to_string(n - 1) + " for group " + g.spec());
    }
  }
  std::vector<char> in_subgroup(n, 0);
  for (int h : subgroup) in_subgroup[h] = 1;
  for (int h : subgroup) {
    for (int k : subgroup) {
      if (!in_subgroup[g.mul(h, k)]) {
        throw InputError("augmentation subgroup of group " + g.spec() +
                         " is not closed: " + std::to_string(h) + "*" + std::to_string(k) + " = " +
                         std::to_string(g.mul(h, k)) + " is missing");
      }
    }
  }

  // Partial Fisher-Yates over the pair indices p = a1*n + a2: the first `sampled` slots end up a
  // uniform sample without replacement.
  std::vector<std::uint32_t> order(pairs);
  std::iota(order.begin(), order.end(), 0U);
  Rng rng(seed, kSplitStream);
  std::vector<char> in_train(pairs, 0);
  for (std::uint64_t i = 0; i < static_cast<std::uint64_t>(sampled); ++i) {
    std::swap(order[i], order[i + rng.below(pairs - i)]);
    const int a1 = static_cast<int>(order[i] / n), a2 = static_cast<int>(order[i] % n);
    in_train[order[i]] = 1;
    for (int h : subgroup) in_train[static_cast<std::size_t>(g.mul(h, a1)) * n + a2] = 1;
  }

  Split split;
  split.sampled = static_cast<std::size_t>(sampled);
  for (int a1 = 0; a1 < n; ++a1) {
    for (int a2 = 0; a2 < n; ++a2) {
      Samples& target = in_train[static_cast<std::size_t>(a1) * n + a2] ? split.train : split.test;
      target.push(a1, a2, g.mul(a1, a2));
    }
  }
  return split;
}

Samples all_pairs(const Group& g) {
  const int n = g.order();
  Samples s;
  s.a1.reserve(static_cast<std::size_t>(n) * n);
  s.a2.reserve(static_cast<std::size_t>(n) * n);
  s.y.reserve(static_cast<std::size_t>(n) * n);
  for (int a1 = 0; a1 < n; ++a1) {
    for (int a2 = 0; a2 < n; ++a2) s.push(a1, a2, g.mul(a1, a2));
  }
  return s;
}

int bipartite_components(int n, const Samples& s) {
  if (n < 1) throw InputError("bipartite_components: group order " + std::to_string(n) + " < 1");
  // Node a is the left factor a, node n + b the right factor b.
  DisjointSets sets(2 * n);
  int components = 2 * n;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const int a1 = s.a1[i], a2 = s.a2[i];
    if (a1 < 0 || a1 >= n || a2 < 0 || a2 >= n) {
      throw InputError("bipartite_components: pair (" + std::to_string(a1) + ", " +
                       std::to_string(a2) + ") is outside 0.." + std::to_string(n - 1));
    }
    if (sets.unite(a1, n + a2)) --components;
  }
  return components;
}

}  // namespace symsweep::core

namespace symsweep::core {

std::vector<int> parse_frequency_list(const std::string& list, int n) {
  auto bad = [&](const std::string& item, const std::string& why) {
    throw InputError("target_frequencies \"" + list + "\": \"" + item + "\" " + why +
                     " (expected a comma-separated list of frequencies k or ranges k1-k2)");
  };
  auto number = [&](const std::string& item, const std::string& text) {
    int v = 0;
    const char* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, v);
    if (text.empty() || ec != std::errc() || ptr != end || v < 0) {
      bad(item, "is not a frequency (a non-negative integer)");
    }
    if (n > 0 && v >= n) bad(item, "is not below the group order " + std::to_string(n));
    return v;
  };
  std::vector<int> out;
  if (list.empty()) bad(list, "is empty");
  std::size_t begin = 0;
  while (begin <= list.size()) {
    const std::size_t comma = std::min(list.find(',', begin), list.size());
    std::string item = list.substr(begin, comma - begin);
    item.erase(0, item.find_first_not_of(' '));
    item.erase(item.find_last_not_of(' ') + 1);
    const std::size_t dash = item.find('-');
    if (dash == std::string::npos) {
      out.push_back(number(item, item));
    } else {
      const int lo = number(item, item.substr(0, dash));
      const int hi = number(item, item.substr(dash + 1));
      if (lo > hi) bad(item, "is a range whose start is above its end");
      for (int k = lo; k <= hi; ++k) out.push_back(k);
    }
    begin = comma + 1;
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::vector<int> group_frequency_list(const Group& g, const std::string& list) {
  if (!g.is_abelian()) {
    throw InputError("target_frequencies \"" + list + "\": group \"" + g.spec() +
                     "\" has no characters to project on (partial targets need an abelian "
                     "group)");
  }
  return parse_frequency_list(list, g.order());
}

Eigen::MatrixXd frequency_targets(const Group& g, const std::string& list) {
  const int n = g.order();
  const std::vector<int> listed = group_frequency_list(g, list);
  const DualGroup dual(g);
  std::vector<bool> in(static_cast<std::size_t>(n), false);
  for (int k : listed) in[k] = in[dual.neg(k)] = true;
  const Eigen::MatrixXcd& x = dual.characters();  // x(a, k) = chi_k(a)
  Eigen::MatrixXcd sum = Eigen::MatrixXcd::Zero(n, n);
  for (int k = 0; k < n; ++k) {
    if (in[k]) sum += x.col(k) * x.col(k).adjoint();  // (y, c): chi_k(y) conj chi_k(c)
  }
  // Column y is t_y: t_y[c] = sum(y, c) / n, real because K = -K.
  return sum.real().transpose() / static_cast<double>(n);
}

}  // namespace symsweep::core
