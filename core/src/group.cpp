#include "symsweep/core/group.hpp"

#include <algorithm>
#include <charconv>
#include <cstddef>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <sstream>
#include <string_view>
#include <system_error>
#include <utility>

#include "symsweep/core/error.hpp"
#include "symsweep/core/gap.hpp"
#include "symsweep/core/resources.hpp"

namespace symsweep::core {
namespace {

/// Largest group order make_group builds: the Cayley table alone is 4 n^2 bytes (64 MiB here)
/// and training visits all n^2 pairs.
constexpr int kMaxOrder = 4096;

/// How error messages name a group: `table "PATH"` for files, `group "SPEC"` otherwise.
std::string subject(const std::string& spec) {
  constexpr std::string_view kTable = "table:";
  if (spec.starts_with(kTable)) return "table \"" + spec.substr(kTable.size()) + "\"";
  return "group \"" + spec + "\"";
}

/// Parses all of `text` as a decimal int (an optional leading '-'; no '+' or whitespace).
/// Returns false when `text` is not exactly one integer or does not fit in an int.
bool parse_int(std::string_view text, int& value) {
  if (text.empty()) return false;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  return ec == std::errc() && ptr == end;
}

/// What a group of `order` elements would need at the least (its Cayley table and the list of
/// all pairs, 16 order^2 bytes), for the message refusing it.
std::string too_large(double order) {
  return "; its Cayley table and pair list alone would need about " +
         format_bytes(16.0 * order * order);
}

/// Parses a size parameter of a family spec: an integer in [1, max], else throws naming the spec.
/// `order_per_unit` > 0: the group's order is that times the parameter (named in the message).
int parse_size(const std::string& spec, std::string_view text, const char* what, int max,
               double order_per_unit = 0.0) {
  int value = 0;
  if (!parse_int(text, value) || value < 1) {
    // A long digit string is a size too large rather than garbage.
    const bool all_digits = !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
      return c >= '0' && c <= '9';
    });
    if (all_digits && text.find_first_not_of('0') != std::string_view::npos) {
      const double size = std::strtod(std::string(text).c_str(), nullptr);
      throw InputError(subject(spec) + ": " + what + " " + std::string(text) +
                       " exceeds the maximum " + std::to_string(max) +
                       (order_per_unit > 0.0 ? too_large(order_per_unit * size) : ""));
    }
    throw InputError(subject(spec) + ": " + what + " must be an integer >= 1, got \"" +
                     std::string(text) + "\"");
  }
  if (value > max) {
    throw InputError(subject(spec) + ": " + what + " " + std::to_string(value) +
                     " exceeds the maximum " + std::to_string(max) +
                     " (group orders are capped at " + std::to_string(kMaxOrder) +
                     (order_per_unit > 0.0 ? too_large(order_per_unit * value) : "") + ")");
  }
  return value;
}

/// Digits of every element of Z_{f0} x Z_{f1} x ... (mixed radix, last factor fastest), flat:
/// digits[a * k + i] is the i-th coordinate of element a, for k = factors.size().
std::vector<int> mixed_radix_digits(int n, const std::vector<int>& factors) {
  const std::size_t k = factors.size();
  std::vector<int> digits(static_cast<std::size_t>(n) * k);
  for (int a = 0; a < n; ++a) {
    int rest = a;
    for (std::size_t i = k; i-- > 0;) {
      digits[a * k + i] = rest % factors[i];
      rest /= factors[i];
    }
  }
  return digits;
}

/// Index of the coordinate-wise sum of two digit vectors.
int mixed_radix_add(const int* da, const int* db, const std::vector<int>& factors) {
  int index = 0;
  for (std::size_t i = 0; i < factors.size(); ++i) {
    int d = da[i] + db[i];
    if (d >= factors[i]) d -= factors[i];
    index = index * factors[i] + d;
  }
  return index;
}

/// True iff `table` is the addition table of Z_{f0} x Z_{f1} x ... in mixed radix, last fastest.
bool is_mixed_radix_table(int n, const std::vector<int>& table, const std::vector<int>& factors) {
  std::size_t product = 1;
  for (int f : factors) {
    if (f < 1) return false;
    product *= static_cast<std::size_t>(f);
    if (product > static_cast<std::size_t>(n)) return false;
  }
  if (product != static_cast<std::size_t>(n)) return false;
  const std::size_t k = factors.size();
  const std::vector<int> digits = mixed_radix_digits(n, factors);
  for (int a = 0; a < n; ++a) {
    for (int b = 0; b < n; ++b) {
      const int sum = mixed_radix_add(&digits[a * k], &digits[b * k], factors);
      if (table[static_cast<std::size_t>(a) * n + b] != sum) return false;
    }
  }
  return true;
}

/// Cayley table of Z_{f0} x Z_{f1} x ... (mixed radix, last factor fastest), with tuple names
/// "(1,0,2)" when `tuple_names`, else "0".."n-1".
Group make_product(const std::string& spec, const std::vector<int>& factors, bool tuple_names) {
  const int n = std::accumulate(factors.begin(), factors.end(), 1, std::multiplies<>());
  const std::size_t k = factors.size();
  const std::vector<int> digits = mixed_radix_digits(n, factors);
  std::vector<int> table(static_cast<std::size_t>(n) * n);
  for (int a = 0; a < n; ++a) {
    for (int b = 0; b < n; ++b) {
      table[static_cast<std::size_t>(a) * n + b] =
          mixed_radix_add(&digits[a * k], &digits[b * k], factors);
    }
  }
  std::vector<std::string> names;
  if (tuple_names) {
    for (int a = 0; a < n; ++a) {
      std::string name = "(";
      for (std::size_t i = 0; i < k; ++i)
        name += (i ? "," : "") + std::to_string(digits[a * k + i]);
      names.push_back(name + ")");
    }
  }
  return Group(spec, n, std::move(table), std::move(names), factors);
}

/// D_M: element r^i s^j has index i + M j; s r = r^-1 s, so r^i s^j r^k s^l = r^(i +- k) s^(j+l).
Group make_dihedral(const std::string& spec, int m) {
  const int n = 2 * m;
  std::vector<int> table(static_cast<std::size_t>(n) * n);
  for (int a = 0; a < n; ++a) {
    const int i = a % m, j = a / m;
    for (int b = 0; b < n; ++b) {
      const int k = b % m, l = b / m;
      const int rot = ((j == 0 ? i + k : i - k) % m + m) % m;
      table[static_cast<std::size_t>(a) * n + b] = rot + m * ((j + l) % 2);
    }
  }
  std::vector<std::string> names;
  for (int a = 0; a < n; ++a) {
    const int i = a % m;
    const std::string rot = i == 0 ? "" : i == 1 ? "r" : "r^" + std::to_string(i);
    if (a < m) {
      names.push_back(i == 0 ? "e" : rot);
    } else {
      names.push_back(i == 0 ? "s" : rot + " s");
    }
  }
  // D_1 = Z_2 and D_2 = Z_2 x Z_2 (index i + 2j is (j, i) in mixed radix) are abelian and keep
  // their closed-form characters.
  std::vector<int> factors;
  if (m == 1) factors = {2};
  if (m == 2) factors = {2, 2};
  return Group(spec, n, std::move(table), std::move(names), std::move(factors));
}

/// S_K or A_K as permutations of 0..K-1 in lexicographic order, (a*b)(x) = a(b(x)).
Group make_permutations(const std::string& spec, int k, bool even_only) {
  std::vector<std::vector<int>> perms;
  std::vector<int> p(k);
  std::iota(p.begin(), p.end(), 0);
  do {
    int inversions = 0;
    for (int x = 0; x < k; ++x) {
      for (int y = x + 1; y < k; ++y) inversions += p[x] > p[y];
    }
    if (!even_only || inversions % 2 == 0) perms.push_back(p);
  } while (std::next_permutation(p.begin(), p.end()));

  // Index lookup by the base-K code of the one-line notation (K^K <= 7^7 entries).
  auto code = [k](const std::vector<int>& q) {
    std::size_t c = 0;
    for (int x : q) c = c * k + x;
    return c;
  };
  std::size_t codes = 1;
  for (int i = 0; i < k; ++i) codes *= k;
  std::vector<int> index_of(codes, -1);
  for (std::size_t i = 0; i < perms.size(); ++i) index_of[code(perms[i])] = static_cast<int>(i);

  const int n = static_cast<int>(perms.size());
  std::vector<int> table(static_cast<std::size_t>(n) * n);
  std::vector<int> composed(k);
  for (int a = 0; a < n; ++a) {
    for (int b = 0; b < n; ++b) {
      for (int x = 0; x < k; ++x) composed[x] = perms[a][perms[b][x]];
      table[static_cast<std::size_t>(a) * n + b] = index_of[code(composed)];
    }
  }
  std::vector<std::string> names;
  for (const auto& q : perms) {
    std::string name = "[";
    for (int x = 0; x < k; ++x) name += (x ? " " : "") + std::to_string(q[x]);
    names.push_back(name + "]");
  }
  // The abelian cases (S_1, S_2, A_1, A_2, A_3) are cyclic with index k = generator^k.
  std::vector<int> factors;
  if (is_mixed_radix_table(n, table, {n})) factors = {n};
  return Group(spec, n, std::move(table), std::move(names), std::move(factors));
}

/// Q_8 with index 2u + sign for the unit u in (1, i, j, k) and sign 0 (+) or 1 (-).
Group make_quaternion(const std::string& spec) {
  // unit_product[u][v] = (sign, w) with u v = (-1)^sign w.
  constexpr std::pair<int, int> kUnit[4][4] = {
      {{0, 0}, {0, 1}, {0, 2}, {0, 3}},  // 1 * (1, i, j, k)
      {{0, 1}, {1, 0}, {0, 3}, {1, 2}},  // i * (1, i, j, k) = (i, -1, k, -j)
      {{0, 2}, {1, 3}, {1, 0}, {0, 1}},  // j * (1, i, j, k) = (j, -k, -1, i)
      {{0, 3}, {0, 2}, {1, 1}, {1, 0}},  // k * (1, i, j, k) = (k, j, -i, -1)
  };
  constexpr int n = 8;
  std::vector<int> table(static_cast<std::size_t>(n) * n);
  for (int a = 0; a < n; ++a) {
    for (int b = 0; b < n; ++b) {
      const auto [sign, unit] = kUnit[a / 2][b / 2];
      table[a * n + b] = 2 * unit + ((a % 2) ^ (b % 2) ^ sign);
    }
  }
  return Group(spec, n, std::move(table), {"1", "-1", "i", "-i", "j", "-j", "k", "-k"});
}

/// Reads a Cayley table file; checks the shape and range here (with line numbers) and leaves the
/// group axioms to the Group constructor.
Group make_table(const std::string& spec, const std::string& path) {
  const std::string who = subject(spec);
  if (path.empty()) throw InputError(who + ": expected table:PATH with a file path");
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    throw InputError(who + ": is a directory; expected a table file");
  }
  std::ifstream in(path);
  if (!in) throw InputError(who + ": cannot open the file");
  std::vector<int> table;
  int n = -1, rows = 0, line_number = 0;
  std::string line;
  while (std::getline(in, line)) {
    ++line_number;
    if (const auto hash = line.find('#'); hash != std::string::npos) line.resize(hash);
    std::istringstream tokens(line);
    std::string token;
    std::vector<int> row;
    while (tokens >> token) {
      int value = 0;
      if (!parse_int(token, value)) {
        throw InputError(who + ": line " + std::to_string(line_number) + ": \"" + token +
                         "\" is not an integer");
      }
      row.push_back(value);
    }
    if (row.empty()) continue;
    if (n < 0) {
      n = static_cast<int>(row.size());
      if (n > kMaxOrder) {
        throw InputError(who + ": order " + std::to_string(n) + " exceeds the maximum " +
                         std::to_string(kMaxOrder));
      }
    }
    if (static_cast<int>(row.size()) != n) {
      throw InputError(who + ": line " + std::to_string(line_number) + " has " +
                       std::to_string(row.size()) + " entries, expected " + std::to_string(n) +
                       " like the first row (a square n x n table)");
    }
    if (++rows > n) {
      throw InputError(who + ": more than " + std::to_string(n) + " rows of " + std::to_string(n) +
                       " entries; expected a square n x n table");
    }
    for (std::size_t col = 0; col < row.size(); ++col) {
      if (row[col] < 0 || row[col] >= n) {
        throw InputError(who + ": line " + std::to_string(line_number) + ", column " +
                         std::to_string(col + 1) + ": entry " + std::to_string(row[col]) +
                         " is outside 0.." + std::to_string(n - 1));
      }
    }
    table.insert(table.end(), row.begin(), row.end());
  }
  if (n < 0) throw InputError(who + ": no rows; expected n lines of n integers");
  if (rows != n) {
    throw InputError(who + ": " + std::to_string(rows) + " rows of " + std::to_string(n) +
                     " entries; expected a square n x n table");
  }
  std::vector<int> factors;
  if (is_mixed_radix_table(n, table, {n})) factors = {n};
  return Group(spec, n, std::move(table), {}, std::move(factors));
}

}  // namespace

Group::Group(std::string spec, int order, std::vector<int> table, std::vector<std::string> names,
             std::vector<int> cyclic_factors)
    : spec_(std::move(spec)),
      n_(order),
      table_(std::move(table)),
      names_(std::move(names)),
      factors_(std::move(cyclic_factors)) {
  const std::string who = subject(spec_);
  const int n = n_;
  if (n < 1) throw InputError(who + ": order must be >= 1, got " + std::to_string(n));
  if (table_.size() != static_cast<std::size_t>(n) * n) {
    throw InputError(who + ": table has " + std::to_string(table_.size()) + " entries, expected " +
                     std::to_string(n) + "^2");
  }
  auto at = [&](int a, int b) { return table_[static_cast<std::size_t>(a) * n + b]; };
  for (int a = 0; a < n; ++a) {
    for (int b = 0; b < n; ++b) {
      if (at(a, b) < 0 || at(a, b) >= n) {
        throw InputError(who + ": not closed: " + std::to_string(a) + "*" + std::to_string(b) +
                         " = " + std::to_string(at(a, b)) + " is outside 0.." +
                         std::to_string(n - 1));
      }
    }
  }

  e_ = -1;
  for (int e = 0; e < n && e_ < 0; ++e) {
    bool is_identity = true;
    for (int x = 0; x < n && is_identity; ++x) is_identity = at(e, x) == x && at(x, e) == x;
    if (is_identity) e_ = e;
  }
  if (e_ < 0) throw InputError(who + ": no identity element (no e with e*x = x*e = x for all x)");

  inv_.assign(n, -1);
  for (int a = 0; a < n; ++a) {
    for (int b = 0; b < n && inv_[a] < 0; ++b) {
      if (at(a, b) == e_ && at(b, a) == e_) inv_[a] = b;
    }
    if (inv_[a] < 0) {
      throw InputError(who + ": element " + std::to_string(a) + " has no inverse (identity is " +
                       std::to_string(e_) + ")");
    }
  }

  // Associativity by Light's test. The middle elements g with (x*g)*y = x*(g*y) for all x, y
  // form a set S that contains e and is closed under the product (expand (x*(g*h))*y with the
  // law for g and h). So it suffices to test a set of generators whose right-multiplication
  // closure {e, g1, (g1*g2), ((g1*g2)*g3), ...} is everything; the closure below is built
  // without assuming associativity. Each generator of a group at least doubles the closure,
  // so there are at most log2(n) of them and the test is O(n^2 log n) rather than O(n^3).
  std::vector<int> generators;
  std::vector<char> in_closure(n, 0);
  std::vector<int> closure{e_};
  in_closure[e_] = 1;
  auto add = [&](int x) {
    if (!in_closure[x]) {
      in_closure[x] = 1;
      closure.push_back(x);
    }
  };
  for (int g = 0; g < n; ++g) {
    if (in_closure[g]) continue;
    generators.push_back(g);
    const std::size_t closed = closure.size();  // closed under the earlier generators
    for (std::size_t i = 0; i < closure.size(); ++i) {
      if (i < closed) {
        add(at(closure[i], g));
      } else {
        for (int h : generators) add(at(closure[i], h));
      }
    }
  }
  for (int g : generators) {
    for (int x = 0; x < n; ++x) {
      const int xg = at(x, g);
      for (int y = 0; y < n; ++y) {
        if (at(xg, y) != at(x, at(g, y))) {
          const std::string sx = std::to_string(x), sg = std::to_string(g), sy = std::to_string(y);
          throw InputError(who + ": not associative: (" + sx + "*" + sg + ")*" + sy + " != " + sx +
                           "*(" + sg + "*" + sy + ")");
        }
      }
    }
  }

  // Now a group generated by `generators`: abelian iff they commute pairwise.
  abelian_ = true;
  for (int g : generators) {
    for (int h : generators) abelian_ = abelian_ && at(g, h) == at(h, g);
  }

  if (names_.empty()) {
    for (int a = 0; a < n; ++a) names_.push_back(std::to_string(a));
  } else if (names_.size() != static_cast<std::size_t>(n)) {
    throw InputError(who + ": " + std::to_string(names_.size()) + " element names for order " +
                     std::to_string(n));
  }
  if (!factors_.empty() && !is_mixed_radix_table(n, table_, factors_)) {
    throw InputError(who +
                     ": the table is not the mixed-radix encoding of the cyclic factors given");
  }
}

int Group::element_order(int a) const {
  int k = 1;
  for (int x = a; x != e_; x = mul(x, a)) ++k;
  return k;
}

AbelianBasis abelian_basis(const Group& g) {
  const int n = g.order();
  if (!g.is_abelian()) {
    throw InputError("group \"" + g.spec() + "\" is not abelian: it has no basis of cyclic factors");
  }
  AbelianBasis out;
  if (!g.cyclic_factors().empty()) {
    out.factors = g.cyclic_factors();
    out.index.resize(static_cast<std::size_t>(n));
    for (int a = 0; a < n; ++a) out.index[a] = a;
    return out;
  }
  const int e = g.identity();
  auto power = [&](int x, int k) {
    int r = e;
    for (int i = 0; i < k; ++i) r = g.mul(r, x);
    return r;
  };
  // H, the span of the basis so far, with each member's coordinates over that basis.
  std::vector<char> in_h(static_cast<std::size_t>(n), 0);
  std::vector<std::vector<int>> coord(static_cast<std::size_t>(n));
  std::vector<int> basis;
  in_h[e] = 1;
  int h_size = 1;
  while (h_size < n) {
    // An element of largest order modulo H, and that order m.
    int best = -1, m = 0;
    for (int x = 0; x < n; ++x) {
      if (in_h[x] != 0) continue;
      int k = 1;
      for (int y = x; in_h[y] == 0; y = g.mul(y, x)) ++k;
      if (k > m) {
        m = k;
        best = x;
      }
    }
    // best^m = prod b_i^{t_i} in H; every t_i is a multiple of m (every order modulo the span
    // of the earlier, larger basis elements divides theirs), so best * prod b_i^{-t_i/m} has
    // order m and meets H only in e.
    const std::vector<int> t = coord[power(best, m)];
    int x = best;
    for (std::size_t i = 0; i < basis.size(); ++i) {
      if (t[i] % m != 0) {
        throw Error("group \"" + g.spec() + "\": no abelian basis found (internal error)");
      }
      x = g.mul(x, power(g.inv(basis[i]), t[i] / m));
    }
    std::vector<int> members;
    for (int a = 0; a < n; ++a) {
      if (in_h[a] != 0) members.push_back(a);
    }
    int xj = x;
    for (int j = 1; j < m; ++j, xj = g.mul(xj, x)) {
      for (int h : members) {
        const int a = g.mul(h, xj);
        if (in_h[a] != 0) {
          throw Error("group \"" + g.spec() + "\": no abelian basis found (internal error)");
        }
        in_h[a] = 1;
        coord[a] = coord[h];
        coord[a].push_back(j);
      }
    }
    for (int h : members) coord[h].push_back(0);
    basis.push_back(x);
    out.factors.push_back(m);
    h_size *= m;
  }
  if (basis.empty()) out.factors = {1};
  out.index.assign(static_cast<std::size_t>(n), 0);
  for (int a = 0; a < n; ++a) {
    int idx = 0;
    for (std::size_t i = 0; i < basis.size(); ++i) idx = idx * out.factors[i] + coord[a][i];
    out.index[a] = idx;
  }
  // Verified: the coordinates are a bijection, and multiplying by basis element i adds 1 to
  // digit i (mod its order) and nothing else, so the map is an isomorphism.
  std::vector<char> seen(static_cast<std::size_t>(n), 0);
  for (int a = 0; a < n; ++a) seen[out.index[a]] = 1;
  bool ok = std::all_of(seen.begin(), seen.end(), [](char c) { return c != 0; });
  for (std::size_t i = 0; ok && i < basis.size(); ++i) {
    for (int a = 0; ok && a < n; ++a) {
      std::vector<int> d = coord[a];
      d[i] = (d[i] + 1) % out.factors[i];
      ok = coord[g.mul(a, basis[i])] == d;
    }
  }
  if (!ok) throw Error("group \"" + g.spec() + "\": abelian basis failed its check (internal)");
  return out;
}

Group make_group(const std::string& spec) {
  const std::string who = subject(spec);
  const auto colon = spec.find(':');
  const std::string family = spec.substr(0, colon);
  const bool has_arg = colon != std::string::npos;
  const std::string arg = has_arg ? spec.substr(colon + 1) : "";
  auto require_arg = [&](const char* form) {
    if (!has_arg) throw InputError(who + ": expected " + form);
  };

  if (family == "cyclic") {
    require_arg("cyclic:N");
    const int n = parse_size(spec, arg, "order", kMaxOrder, 1.0);
    return make_product("cyclic:" + std::to_string(n), {n}, false);
  }
  if (family == "product") {
    require_arg("product:AxBx... (e.g. product:2x2x3)");
    std::vector<int> factors;
    long long order = 1;
    std::size_t start = 0;
    while (true) {
      const std::size_t end = std::min(arg.find('x', start), arg.size());
      const int f =
          parse_size(spec, std::string_view(arg).substr(start, end - start), "factor", kMaxOrder);
      order *= f;
      if (order > kMaxOrder) {
        throw InputError(who + ": order " + std::to_string(order) +
                         " or more exceeds the maximum " + std::to_string(kMaxOrder) +
                         too_large(static_cast<double>(order)));
      }
      factors.push_back(f);
      if (end == arg.size()) break;
      start = end + 1;
    }
    std::string canonical = "product:";
    for (std::size_t i = 0; i < factors.size(); ++i) {
      canonical += (i > 0 ? "x" : "") + std::to_string(factors[i]);
    }
    return make_product(canonical, factors, true);
  }
  if (family == "dihedral") {
    require_arg("dihedral:M");
    const int m = parse_size(spec, arg, "M (order 2M)", kMaxOrder / 2, 2.0);
    return make_dihedral("dihedral:" + std::to_string(m), m);
  }
  if (family == "symmetric" || family == "alternating") {
    const bool even = family == "alternating";
    require_arg(even ? "alternating:K" : "symmetric:K");
    // Largest K whose group order fits under kMaxOrder (6 for S_K, 7 for A_K).
    auto group_order = [even](int k) {
      long long factorial = 1;
      for (int i = 2; i <= k; ++i) factorial *= i;
      return even && k >= 2 ? factorial / 2 : factorial;
    };
    int max_k = 1;
    while (group_order(max_k + 1) <= kMaxOrder) ++max_k;
    const int k = parse_size(spec, arg, "K", max_k);
    return make_permutations(family + ":" + std::to_string(k), k, even);
  }
  if (family == "quaternion") {
    if (has_arg) throw InputError(who + ": quaternion takes no parameter; expected \"quaternion\"");
    return make_quaternion(spec);
  }
  if (family == "gap") {
    require_arg("gap:EXPR (e.g. gap:SmallGroup(24,12))");
    return gap_group(arg);
  }
  if (family == "table") {
    require_arg("table:PATH");
    return make_table(spec, arg);
  }
  throw InputError(who + ": unknown group family \"" + family +
                   "\"; expected cyclic:N, product:AxB..., dihedral:M, symmetric:K, "
                   "alternating:K, quaternion, table:PATH or gap:EXPR");
}

std::string group_families_help() {
  struct Row {
    const char* form;
    const char* meaning;
    const char* example;
  };
  constexpr Row kGroups[] = {
      {"cyclic:N", "Z_N, order N", "cyclic:12"},
      {"product:AxBx...", "Z_A x Z_B x ..., order A*B*...", "product:2x2x3"},
      {"dihedral:M", "D_M, symmetries of the M-gon, order 2M", "dihedral:5"},
      {"symmetric:K", "S_K, permutations of K points, order K! (K <= 6)", "symmetric:4"},
      {"alternating:K", "A_K, even permutations, order K!/2 (K <= 7)", "alternating:5"},
      {"quaternion", "Q_8 = {1, -1, i, -i, j, -j, k, -k}", "quaternion"},
      {"table:PATH", "file of n lines of n integers in 0..n-1 (# comments)", "table:z4.txt"},
      {"gap:EXPR", "any finite group GAP gives (needs GAP once; cached)", "gap:SmallGroup(24,12)"},
  };
  constexpr Row kSubgroups[] = {
      {"none", "{e}: no augmentation", "none"},
      {"order:D", "cyclic subgroup generated by the first element of order D", "order:2"},
      {"generated:i,j,...", "subgroup generated by these element indices", "generated:1,4"},
  };
  auto format = [](const Row& row) {
    auto pad = [](std::string text, std::size_t width) {
      text.resize(std::max(width, text.size() + 1), ' ');
      return text;
    };
    return "  " + pad(row.form, 19) + pad(row.meaning, 60) + "e.g. " + row.example + "\n";
  };
  std::string help = "Groups (order at most " + std::to_string(kMaxOrder) + "):\n";
  for (const Row& row : kGroups) help += format(row);
  help += "Augmentation subgroups (--augment):\n";
  for (const Row& row : kSubgroups) help += format(row);
  return help;
}

std::vector<int> generate_subgroup(const Group& g, const std::vector<int>& generators) {
  const int n = g.order();
  for (int x : generators) {
    if (x < 0 || x >= n) {
      throw InputError("generator " + std::to_string(x) + " is outside 0.." +
                       std::to_string(n - 1) + " for group " + g.spec());
    }
  }
  // In a finite group every element of <S> is a product of generators (inverses are powers).
  std::vector<char> seen(n, 0);
  std::vector<int> elements{g.identity()};
  seen[g.identity()] = 1;
  for (std::size_t next = 0; next < elements.size(); ++next) {
    for (int s : generators) {
      const int product = g.mul(elements[next], s);
      if (!seen[product]) {
        seen[product] = 1;
        elements.push_back(product);
      }
    }
  }
  std::sort(elements.begin(), elements.end());
  return elements;
}

std::vector<int> make_subgroup(const Group& g, const std::string& spec) {
  const std::string who = "augment \"" + spec + "\"";
  const int n = g.order();
  if (spec == "none") return {g.identity()};
  constexpr std::string_view kOrder = "order:", kGenerated = "generated:";
  if (spec.starts_with(kOrder)) {
    const std::string_view text = std::string_view(spec).substr(kOrder.size());
    int d = 0;
    if (!parse_int(text, d) || d < 1) {
      throw InputError(who + ": expected order:D with an integer D >= 1");
    }
    if (n % d == 0) {
      for (int a = 0; a < n; ++a) {
        if (g.element_order(a) == d) return generate_subgroup(g, {a});
      }
    }
    throw InputError(who + ": group " + g.spec() + " has no element of order " + std::to_string(d));
  }
  if (spec.starts_with(kGenerated)) {
    const std::string_view list = std::string_view(spec).substr(kGenerated.size());
    std::vector<int> generators;
    std::size_t start = 0;
    while (true) {
      const std::size_t end = std::min(list.find(',', start), list.size());
      const std::string_view item = list.substr(start, end - start);
      int x = 0;
      if (!parse_int(item, x)) {
        throw InputError(
            who + ": \"" + std::string(item) +
            "\" is not an element index; expected generated:i,j,... with indices in 0.." +
            std::to_string(n - 1));
      }
      if (x < 0 || x >= n) {
        throw InputError(who + ": element " + std::to_string(x) + " is outside 0.." +
                         std::to_string(n - 1) + " for group " + g.spec());
      }
      generators.push_back(x);
      if (end == list.size()) break;
      start = end + 1;
    }
    return generate_subgroup(g, generators);
  }
  throw InputError(who + ": unknown subgroup spec; expected none, order:D or generated:i,j,...");
}

}  // namespace symsweep::core
