// symsweep's irreps against GAP's character tables. For every group of GAP's small-group library
// of order 1..32 and a sample of larger groups, GAP prints the Cayley table over its own element
// order, the class of every element and the irreducible characters as exact cyclotomics
// (tests/core/gap/character_tables.g); symsweep computes the irreps from the table alone. The
// two must agree up to the order of irreps and of classes: the same classes (as element sets)
// with the same sizes, and a one-to-one matching of irreps to GAP's characters with equal
// degrees, Frobenius-Schur indicators and values to 1e-9 on every element. GAP is needed: without
// it the tests fail (deploy/install-deps.sh installs gap-core gap-libs gap-smallgrp).

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <memory>
#include <numbers>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "symsweep/core/group.hpp"
#include "symsweep/core/irreps.hpp"

namespace symsweep::core {
namespace {

using cd = std::complex<double>;

constexpr double kTolerance = 1e-9;

/// One irreducible character as GAP gives it.
struct GapCharacter {
  int degree = 0;
  int indicator = 0;
  std::vector<cd> values;  ///< on each of GAP's classes
};

/// One group's record from the GAP script.
struct GapGroup {
  std::string name;  ///< the GAP expression, e.g. "SmallGroup(24,12)"
  int order = 0;
  std::vector<int> table;        ///< row-major, over GAP's element order
  std::vector<int> class_of;     ///< GAP's class of each element
  std::vector<int> class_sizes;  ///< per GAP class
  std::vector<GapCharacter> characters;
};

/// Everything one GAP run printed.
struct GapAnswer {
  std::map<int, int> small_groups;  ///< NrSmallGroups(n) by n (the small-group run only)
  std::vector<GapGroup> groups;
  int done = -1;  ///< the count on the final "done" line; -1 when it is missing
};

/// `s` quoted for /bin/sh.
std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (const char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

/// GAP's executable: $SYMSWEEP_GAP (as core's gap: groups use it), else `gap` on PATH; empty
/// when neither is an executable file.
std::string find_gap() {
  if (const char* env = std::getenv("SYMSWEEP_GAP"); env != nullptr && *env != '\0') {
    return ::access(env, X_OK) == 0 ? std::string(env) : std::string();
  }
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path != nullptr ? path : "/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    if (dir.empty()) continue;
    std::string exe = dir + "/gap";
    if (std::filesystem::is_regular_file(exe) && ::access(exe.c_str(), X_OK) == 0) return exe;
  }
  return {};
}

/// Runs GAP on the script after `binding` (a GAP statement choosing the groups); returns its
/// standard output. Throws std::runtime_error with GAP's standard error when it fails.
std::string run_gap(const std::string& gap, const std::string& binding) {
  const std::string script = SYMSWEEP_GAP_CHARACTER_SCRIPT;
  if (!std::filesystem::exists(script)) throw std::runtime_error("no GAP script " + script);
  const std::filesystem::path err = std::filesystem::temp_directory_path() /
                                    ("symsweep_gap_characters_" + std::to_string(::getpid()));
  const std::string cmd = shell_quote(gap) + " -q --quitonbreak -c " + shell_quote(binding) + " " +
                          shell_quote(script) + " < /dev/null 2> " + shell_quote(err.string());
  FILE* pipe = ::popen(cmd.c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("cannot start: " + cmd);
  std::string out;
  char buf[1 << 16];
  for (std::size_t got = 0; (got = std::fread(buf, 1, sizeof buf, pipe)) > 0;) {
    out.append(buf, got);
  }
  const int status = ::pclose(pipe);
  std::ifstream err_file(err);
  const std::string err_text((std::istreambuf_iterator<char>(err_file)),
                             std::istreambuf_iterator<char>());
  std::filesystem::remove(err);
  if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    throw std::runtime_error(cmd + " failed (wait status " + std::to_string(status) +
                             "); its standard error:\n" + err_text);
  }
  return out;
}

/// "p" or "p/q" as a double.
double parse_rational(const std::string& s) {
  const std::size_t slash = s.find('/');
  if (slash == std::string::npos) return static_cast<double>(std::stoll(s));
  return static_cast<double>(std::stoll(s.substr(0, slash))) /
         static_cast<double>(std::stoll(s.substr(slash + 1)));
}

/// A cyclotomic "e:c,e:c,..." (or "0") in E(n) = exp(2 pi i / n) as a complex number.
cd parse_cyclotomic(const std::string& s, int n) {
  if (s == "0") return {0.0, 0.0};
  cd value{0.0, 0.0};
  std::istringstream terms(s);
  std::string term;
  while (std::getline(terms, term, ',')) {
    const std::size_t colon = term.find(':');
    if (colon == std::string::npos) throw std::runtime_error("bad cyclotomic term " + term);
    const int e = std::stoi(term.substr(0, colon));
    if (e < 0 || e >= n) throw std::runtime_error("exponent out of range in " + s);
    value +=
        parse_rational(term.substr(colon + 1)) * std::polar(1.0, 2.0 * std::numbers::pi * e / n);
  }
  return value;
}

/// Reads `count` integers from `in`; throws when there are fewer or more.
std::vector<int> read_ints(std::istringstream& in, int count, const std::string& what) {
  std::vector<int> v(static_cast<std::size_t>(count));
  for (int& x : v) {
    if (!(in >> x)) throw std::runtime_error(what + ": too few entries");
  }
  std::string extra;
  if (in >> extra) throw std::runtime_error(what + ": extra entry " + extra);
  return v;
}

/// Parses the GAP script's output (its format is described at the top of the script). Throws
/// std::runtime_error naming the line on anything unexpected.
GapAnswer parse_gap(const std::string& text) {
  GapAnswer answer;
  std::istringstream lines(text);
  std::string line;
  GapGroup* g = nullptr;  // the group being read; null between groups
  int rows = 0;
  int line_number = 0;
  while (std::getline(lines, line)) {
    ++line_number;
    std::istringstream in(line);
    std::string kind;
    in >> kind;
    const std::string where = "GAP output line " + std::to_string(line_number) + " (" +
                              line.substr(0, 60) + (line.size() > 60 ? "...)" : ")");
    if (answer.done >= 0) throw std::runtime_error(where + ": after the done line");
    if (kind == "nr" && g == nullptr) {
      int n = 0;
      int count = 0;
      if (!(in >> n >> count)) throw std::runtime_error(where + ": bad nr line");
      answer.small_groups[n] = count;
    } else if (kind == "group" && g == nullptr) {
      answer.groups.emplace_back();
      g = &answer.groups.back();
      if (!(in >> g->name >> g->order) || g->order < 1) {
        throw std::runtime_error(where + ": bad group line");
      }
      g->table.reserve(static_cast<std::size_t>(g->order) * g->order);
      rows = 0;
    } else if (kind == "row" && g != nullptr && g->class_of.empty()) {
      int a = -1;
      in >> a;
      if (a != rows) throw std::runtime_error(where + ": expected row " + std::to_string(rows));
      const std::vector<int> row = read_ints(in, g->order, where);
      g->table.insert(g->table.end(), row.begin(), row.end());
      ++rows;
    } else if (kind == "classof" && g != nullptr && rows == g->order && g->class_of.empty()) {
      g->class_of = read_ints(in, g->order, where);
    } else if (kind == "sizes" && g != nullptr && !g->class_of.empty() && g->class_sizes.empty()) {
      std::vector<int> sizes;
      for (int s = 0; in >> s;) sizes.push_back(s);
      if (sizes.empty()) throw std::runtime_error(where + ": no class sizes");
      g->class_sizes = sizes;
    } else if (kind == "character" && g != nullptr && !g->class_sizes.empty()) {
      GapCharacter chi;
      int conductor = 0;
      if (!(in >> chi.degree >> chi.indicator >> conductor) || conductor < 1) {
        throw std::runtime_error(where + ": bad character line");
      }
      for (std::string v; in >> v;) chi.values.push_back(parse_cyclotomic(v, conductor));
      if (chi.values.size() != g->class_sizes.size()) {
        throw std::runtime_error(where + ": " + std::to_string(chi.values.size()) + " values for " +
                                 std::to_string(g->class_sizes.size()) + " classes");
      }
      g->characters.push_back(std::move(chi));
    } else if (kind == "end" && g != nullptr && !g->characters.empty()) {
      std::string name;
      in >> name;
      if (name != g->name) throw std::runtime_error(where + ": end of another group");
      g = nullptr;
    } else if (kind == "done" && g == nullptr) {
      if (!(in >> answer.done) || answer.done < 0) {
        throw std::runtime_error(where + ": bad done line");
      }
    } else {
      throw std::runtime_error(where + ": unexpected record");
    }
  }
  if (g != nullptr) throw std::runtime_error("GAP output ends inside " + g->name);
  if (answer.done < 0) throw std::runtime_error("GAP output has no done line: truncated");
  if (answer.done != static_cast<int>(answer.groups.size())) {
    throw std::runtime_error("GAP reports " + std::to_string(answer.done) + " groups, printed " +
                             std::to_string(answer.groups.size()));
  }
  return answer;
}

/// Runs GAP with `binding` and parses its answer; a test failure (not a skip) when GAP is
/// missing or fails.
void gap_answer(const std::string& binding, GapAnswer& answer) {
  const std::string gap = find_gap();
  const char* env = std::getenv("SYMSWEEP_GAP");
  const std::string where = env != nullptr && *env != '\0'
                                ? "SYMSWEEP_GAP=" + std::string(env) + " is not an executable"
                                : std::string("no `gap` on PATH (Debian: /usr/bin/gap)");
  ASSERT_FALSE(gap.empty())
      << "GAP is needed for this test and was not found: " << where
      << "; install it with apt-get install gap-core gap-libs gap-smallgrp, as "
         "deploy/install-deps.sh does, or set SYMSWEEP_GAP to its path";
  try {
    answer = parse_gap(run_gap(gap, binding));
  } catch (const std::exception& e) {
    FAIL() << e.what();
  }
}

/// Compares symsweep's irreps of one group with GAP's characters; every failure names the
/// group. Returns when a failure makes the rest meaningless (e.g. no class matching).
void check_group(const GapGroup& gap) {
  const std::string& who = gap.name;
  const int n = gap.order;
  ASSERT_EQ(gap.class_of.size(), static_cast<std::size_t>(n)) << who;
  const int k = static_cast<int>(gap.class_sizes.size());

  // GAP's own data consistent: every element in one of its classes, of the stated sizes, and
  // one character per class.
  std::vector<int> counted(static_cast<std::size_t>(k), 0);
  for (const int c : gap.class_of) {
    ASSERT_TRUE(c >= 0 && c < k) << who << ": GAP class index " << c << " out of range";
    ++counted[static_cast<std::size_t>(c)];
  }
  ASSERT_EQ(counted, gap.class_sizes) << who << ": GAP's class sizes and elements disagree";
  ASSERT_EQ(static_cast<int>(gap.characters.size()), k) << who << ": GAP characters vs classes";

  std::unique_ptr<Group> group;
  std::unique_ptr<IrrepSet> irreps;
  try {
    group = std::make_unique<Group>("gap:" + gap.name, n, gap.table);
    irreps = std::make_unique<IrrepSet>(*group);
  } catch (const std::exception& e) {
    FAIL() << who << ": symsweep could not build the group or its irreps: " << e.what();
  }
  const IrrepSet& set = *irreps;

  // character_degrees (class multiplication coefficients, no irreps) gives GAP's degrees.
  std::vector<int> gap_degrees;
  for (const GapCharacter& chi : gap.characters) gap_degrees.push_back(chi.degree);
  std::sort(gap_degrees.begin(), gap_degrees.end());
  EXPECT_EQ(character_degrees(*group), gap_degrees) << who << ": character_degrees";

  // Classes, matched by their element sets.
  const std::vector<std::vector<int>>& classes = set.classes();
  ASSERT_EQ(static_cast<int>(classes.size()), k) << who << ": number of conjugacy classes";
  ASSERT_EQ(set.size(), k) << who << ": number of irreps";
  std::vector<int> gap_class(static_cast<std::size_t>(k), -1);  // ours -> GAP's
  std::vector<int> our_class(static_cast<std::size_t>(k), -1);  // GAP's -> ours
  for (int s = 0; s < k; ++s) {
    const std::vector<int>& members = classes[static_cast<std::size_t>(s)];
    ASSERT_FALSE(members.empty()) << who << ": symsweep class " << s << " is empty";
    const int c = gap.class_of[static_cast<std::size_t>(members.front())];
    for (const int x : members) {
      ASSERT_EQ(gap.class_of[static_cast<std::size_t>(x)], c)
          << who << ": symsweep class " << s << " holds elements " << members.front() << " and "
          << x << " of different GAP classes";
      ASSERT_EQ(set.class_of()[static_cast<std::size_t>(x)], s)
          << who << ": class_of() of element " << x;
    }
    ASSERT_EQ(our_class[static_cast<std::size_t>(c)], -1)
        << who << ": GAP class " << c << " split between symsweep classes "
        << our_class[static_cast<std::size_t>(c)] << " and " << s;
    EXPECT_EQ(static_cast<int>(members.size()), gap.class_sizes[static_cast<std::size_t>(c)])
        << who << ": size of symsweep class " << s << " (GAP class " << c << ")";
    gap_class[static_cast<std::size_t>(s)] = c;
    our_class[static_cast<std::size_t>(c)] = s;
  }

  // Irreps, matched by their characters on every element.
  std::vector<int> match(static_cast<std::size_t>(k), -1);  // our irrep -> GAP character
  std::vector<int> matched_by(static_cast<std::size_t>(k), -1);
  for (int i = 0; i < k; ++i) {
    const Irrep& rho = set[i];
    ASSERT_EQ(rho.character.size(), n) << who << ": irrep " << i << " character length";
    int best = -1;
    double best_error = 0.0;
    int worst_element = -1;
    for (int j = 0; j < k; ++j) {
      const GapCharacter& chi = gap.characters[static_cast<std::size_t>(j)];
      double error = 0.0;
      int at = -1;
      for (int x = 0; x < n; ++x) {
        const double e = std::abs(
            rho.character[x] -
            chi.values[static_cast<std::size_t>(gap.class_of[static_cast<std::size_t>(x)])]);
        if (e > error) {
          error = e;
          at = x;
        }
      }
      if (best < 0 || error < best_error) {
        best = j;
        best_error = error;
        worst_element = at;
      }
    }
    ASSERT_LE(best_error, kTolerance)
        << who << ": symsweep irrep " << i << " (dim " << rho.dim << ", indicator " << rho.indicator
        << ") matches no GAP character: the nearest, GAP's character " << best << ", differs by "
        << best_error << " at element " << worst_element;
    ASSERT_EQ(matched_by[static_cast<std::size_t>(best)], -1)
        << who << ": symsweep irreps " << matched_by[static_cast<std::size_t>(best)] << " and " << i
        << " both have GAP character " << best;
    match[static_cast<std::size_t>(i)] = best;
    matched_by[static_cast<std::size_t>(best)] = i;
    const GapCharacter& chi = gap.characters[static_cast<std::size_t>(best)];
    EXPECT_EQ(rho.dim, chi.degree) << who << ": degree of irrep " << i;
    EXPECT_EQ(rho.indicator, chi.indicator)
        << who << ": Frobenius-Schur indicator of irrep " << i << " (dim " << rho.dim << ")";
    EXPECT_EQ(rho.rho.size(), static_cast<std::size_t>(n)) << who << ": irrep " << i;
  }

  // The class-indexed table, and each irrep's conjugate (conj chi is GAP's conjugate character).
  const Eigen::MatrixXcd table = set.character_table();
  ASSERT_EQ(table.rows(), k) << who;
  ASSERT_EQ(table.cols(), k) << who;
  for (int i = 0; i < k; ++i) {
    const GapCharacter& chi =
        gap.characters[static_cast<std::size_t>(match[static_cast<std::size_t>(i)])];
    const int conj = set[i].conjugate;
    ASSERT_TRUE(conj >= 0 && conj < k) << who << ": conjugate of irrep " << i;
    const GapCharacter& chi_conj =
        gap.characters[static_cast<std::size_t>(match[static_cast<std::size_t>(conj)])];
    for (int s = 0; s < k; ++s) {
      const int c = gap_class[static_cast<std::size_t>(s)];
      EXPECT_LE(std::abs(table(i, s) - chi.values[static_cast<std::size_t>(c)]), kTolerance)
          << who << ": character_table()(" << i << ", " << s << ") = " << table(i, s) << ", GAP "
          << chi.values[static_cast<std::size_t>(c)];
      EXPECT_LE(std::abs(chi_conj.values[static_cast<std::size_t>(c)] -
                         std::conj(chi.values[static_cast<std::size_t>(c)])),
                kTolerance)
          << who << ": irrep " << conj << ", the conjugate of irrep " << i
          << ", is not conj chi on class " << s;
    }
  }
}

// Every group of order 1..32 in GAP's small-group library, each checked: the groups of each
// order are SmallGroup(n, 1..NrSmallGroups(n)), none missing.
TEST(GapCharacterTables, AgreeOnEverySmallGroupOfOrderUpTo32) {
  constexpr int kMaxOrder = 32;
  GapAnswer answer;
  ASSERT_NO_FATAL_FAILURE(
      gap_answer("SymsweepMaxOrder := " + std::to_string(kMaxOrder) + ";", answer));
  std::map<int, int> checked;  // order -> groups checked
  std::set<std::string> names;
  for (const GapGroup& g : answer.groups) {
    check_group(g);
    ++checked[g.order];
    names.insert(g.name);
  }
  for (int n = 1; n <= kMaxOrder; ++n) {
    ASSERT_TRUE(answer.small_groups.contains(n)) << "GAP gave no NrSmallGroups(" << n << ")";
    const int count = answer.small_groups.at(n);
    EXPECT_GE(count, 1) << "NrSmallGroups(" << n << ")";
    EXPECT_EQ(checked[n], count) << "groups of order " << n << " checked vs NrSmallGroups";
    for (int i = 1; i <= count; ++i) {
      const std::string name = "SmallGroup(" + std::to_string(n) + "," + std::to_string(i) + ")";
      EXPECT_TRUE(names.contains(name)) << name << " was not checked";
    }
  }
  EXPECT_EQ(static_cast<int>(answer.small_groups.size()), kMaxOrder);
  std::cout << "[ symsweep ] " << answer.groups.size() << " groups of order 1.." << kMaxOrder
            << " checked against GAP\n";
}

// Larger groups, permutation, matrix and pc groups: irrational values (PSL(2,7)'s b7, SL(2,5)'s
// golden ratio), quaternionic irreps (SL(2,3), SL(2,5), SmallGroup(96,3), SmallGroup(96,67)),
// 64 classes with conductor 64 (the cyclic SmallGroup(64,1)).
TEST(GapCharacterTables, AgreeOnLargerGroups) {
  const std::vector<std::string> expressions = {"SymmetricGroup(5)",
                                                "PSL(2,7)",
                                                "SL(2,3)",
                                                "GL(2,3)",
                                                "SL(2,5)",
                                                "SmallGroup(64,1)",
                                                "SmallGroup(64,138)",
                                                "SmallGroup(64,267)",
                                                "SmallGroup(96,3)",
                                                "SmallGroup(96,67)"};
  std::string list;
  for (const std::string& e : expressions) list += (list.empty() ? "\"" : ", \"") + e + "\"";
  GapAnswer answer;
  ASSERT_NO_FATAL_FAILURE(gap_answer("SymsweepGroups := [" + list + "];", answer));
  ASSERT_EQ(answer.groups.size(), expressions.size());
  for (std::size_t i = 0; i < expressions.size(); ++i) {
    const GapGroup& g = answer.groups[i];
    EXPECT_EQ(g.name, expressions[i]);
    check_group(g);
  }
}

}  // namespace
}  // namespace symsweep::core
