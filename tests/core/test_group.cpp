#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <complex>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <numeric>
#include <ostream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "symsweep/core/error.hpp"
#include "symsweep/core/group.hpp"
#include "symsweep/core/potentials.hpp"

namespace symsweep::core {
namespace {

/// Runs `f` and expects an InputError whose one-line message contains `needle`.
template <class F>
void expect_input_error(F&& f, const std::string& needle) {
  try {
    f();
    ADD_FAILURE() << "no InputError thrown; expected one mentioning \"" << needle << "\"";
  } catch (const InputError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find(needle), std::string::npos)
        << "message \"" << message << "\" does not mention \"" << needle << "\"";
    EXPECT_EQ(message.find('\n'), std::string::npos) << "message is not one line: " << message;
  }
}

/// Checks the group axioms directly on the Cayley table (O(n^3) associativity).
void expect_group_axioms(const Group& g) {
  const int n = g.order();
  ASSERT_EQ(g.table().size(), static_cast<std::size_t>(n) * n);
  ASSERT_EQ(g.names().size(), static_cast<std::size_t>(n));
  const int e = g.identity();
  for (int a = 0; a < n; ++a) {
    EXPECT_EQ(g.mul(e, a), a);
    EXPECT_EQ(g.mul(a, e), a);
    EXPECT_EQ(g.mul(a, g.inv(a)), e);
    EXPECT_EQ(g.mul(g.inv(a), a), e);
    for (int b = 0; b < n; ++b) {
      ASSERT_GE(g.mul(a, b), 0);
      ASSERT_LT(g.mul(a, b), n);
      for (int c = 0; c < n; ++c) {
        ASSERT_EQ(g.mul(g.mul(a, b), c), g.mul(a, g.mul(b, c))) << g.spec() << " " << a << b << c;
      }
    }
  }
  // Names are distinct.
  std::vector<std::string> names = g.names();
  std::sort(names.begin(), names.end());
  EXPECT_EQ(std::adjacent_find(names.begin(), names.end()), names.end());
}

bool brute_force_abelian(const Group& g) {
  for (int a = 0; a < g.order(); ++a) {
    for (int b = 0; b < g.order(); ++b) {
      if (g.mul(a, b) != g.mul(b, a)) return false;
    }
  }
  return true;
}

/// Histogram element order -> number of elements of that order.
std::map<int, int> order_histogram(const Group& g) {
  std::map<int, int> histogram;
  for (int a = 0; a < g.order(); ++a) ++histogram[g.element_order(a)];
  return histogram;
}

struct FamilyCase {
  std::string spec;
  int order;
  bool abelian;
};

void PrintTo(const FamilyCase& c, std::ostream* os) { *os << c.spec; }

class FamilyTest : public ::testing::TestWithParam<FamilyCase> {};

TEST_P(FamilyTest, OrderAxiomsAndAbelianFlag) {
  const FamilyCase& c = GetParam();
  const Group g = make_group(c.spec);
  EXPECT_EQ(g.spec(), c.spec);
  EXPECT_EQ(g.order(), c.order);
  EXPECT_EQ(g.identity(), 0) << "every family puts the identity at index 0";
  EXPECT_EQ(g.is_abelian(), c.abelian);
  EXPECT_EQ(g.is_abelian(), brute_force_abelian(g));
  expect_group_axioms(g);
  // A non-empty cyclic_factors promises the mixed-radix addition table.
  const auto& f = g.cyclic_factors();
  if (!f.empty()) {
    EXPECT_TRUE(g.is_abelian());
    for (int a = 0; a < g.order(); ++a) {
      for (int b = 0; b < g.order(); ++b) {
        int ra = a, rb = b, sum = 0, place = 1;
        for (auto it = f.rbegin(); it != f.rend(); ++it) {
          sum += (ra % *it + rb % *it) % *it * place;
          place *= *it;
          ra /= *it;
          rb /= *it;
        }
        ASSERT_EQ(g.mul(a, b), sum) << c.spec;
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    AllFamilies, FamilyTest,
    ::testing::Values(FamilyCase{"cyclic:1", 1, true}, FamilyCase{"cyclic:2", 2, true},
                      FamilyCase{"cyclic:7", 7, true}, FamilyCase{"cyclic:12", 12, true},
                      FamilyCase{"product:5", 5, true}, FamilyCase{"product:2x2", 4, true},
                      FamilyCase{"product:2x2x3", 12, true}, FamilyCase{"product:4x6", 24, true},
                      FamilyCase{"product:1x3x1", 3, true}, FamilyCase{"dihedral:1", 2, true},
                      FamilyCase{"dihedral:2", 4, true}, FamilyCase{"dihedral:3", 6, false},
                      FamilyCase{"dihedral:5", 10, false}, FamilyCase{"dihedral:8", 16, false},
                      FamilyCase{"symmetric:1", 1, true}, FamilyCase{"symmetric:2", 2, true},
                      FamilyCase{"symmetric:3", 6, false}, FamilyCase{"symmetric:4", 24, false},
                      FamilyCase{"alternating:1", 1, true}, FamilyCase{"alternating:2", 1, true},
                      FamilyCase{"alternating:3", 3, true}, FamilyCase{"alternating:4", 12, false},
                      FamilyCase{"alternating:5", 60, false}, FamilyCase{"quaternion", 8, false}),
    [](const auto& info) {
      std::string name = info.param.spec;
      std::replace_if(
          name.begin(), name.end(), [](char ch) { return !std::isalnum(ch); }, '_');
      return name;
    });

TEST(Group, CyclicIsAdditionModN) {
  const Group g = make_group("cyclic:9");
  EXPECT_EQ(g.cyclic_factors(), std::vector<int>{9});
  for (int a = 0; a < 9; ++a) {
    EXPECT_EQ(g.names()[a], std::to_string(a));
    for (int b = 0; b < 9; ++b) EXPECT_EQ(g.mul(a, b), (a + b) % 9);
  }
  EXPECT_EQ(g.element_order(3), 3);
  EXPECT_EQ(g.element_order(2), 9);
  EXPECT_EQ(g.element_order(0), 1);
}

TEST(Group, ProductIsMixedRadixLastFactorFastest) {
  const Group g = make_group("product:2x2x3");
  EXPECT_EQ(g.cyclic_factors(), (std::vector<int>{2, 2, 3}));
  EXPECT_EQ(g.names()[8], "(1,0,2)");  // 8 = (1*2 + 0)*3 + 2
  EXPECT_EQ(g.names()[1], "(0,0,1)");
  // (1,0,2) + (1,1,2) = (0,1,1) = index 4.
  EXPECT_EQ(g.mul(8, 11), 4);
  EXPECT_EQ(order_histogram(g), (std::map<int, int>{{1, 1}, {2, 3}, {3, 2}, {6, 6}}));
}

TEST(Group, DihedralRelations) {
  for (int m : {3, 5, 8}) {
    const Group g = make_group("dihedral:" + std::to_string(m));
    const int r = 1, s = m;  // index i + m*j for r^i s^j
    EXPECT_EQ(g.element_order(r), m);
    EXPECT_EQ(g.element_order(s), 2);
    EXPECT_EQ(g.mul(g.mul(s, r), s), g.inv(r)) << "s r s = r^-1 in D_" << m;
    // r^i s^j has index i + m*j.
    EXPECT_EQ(g.mul(g.mul(r, r), s), 2 + m);
    // m reflections of order 2, plus the rotations of order 2 when m is even.
    int order_two = 0;
    for (int a = 0; a < g.order(); ++a) order_two += g.element_order(a) == 2;
    EXPECT_EQ(order_two, m + (m % 2 == 0 ? 1 : 0));
  }
  EXPECT_EQ(order_histogram(make_group("dihedral:5")),
            (std::map<int, int>{{1, 1}, {2, 5}, {5, 4}}));
}

/// Parses a one-line-notation name "[0 2 1]".
std::vector<int> parse_permutation(const std::string& name) {
  std::istringstream in(name.substr(1, name.size() - 2));
  std::vector<int> p;
  for (int x; in >> x;) p.push_back(x);
  return p;
}

TEST(Group, PermutationsAreLexicographicAndComposeRightToLeft) {
  for (const char* spec : {"symmetric:3", "symmetric:4", "alternating:4", "alternating:5"}) {
    const Group g = make_group(spec);
    std::vector<std::vector<int>> perms;
    for (const auto& name : g.names()) perms.push_back(parse_permutation(name));
    EXPECT_TRUE(std::is_sorted(perms.begin(), perms.end())) << spec;
    for (int a = 0; a < g.order(); ++a) {
      for (int b = 0; b < g.order(); ++b) {
        std::vector<int> composed(perms[a].size());
        for (std::size_t x = 0; x < composed.size(); ++x) composed[x] = perms[a][perms[b][x]];
        ASSERT_EQ(perms[g.mul(a, b)], composed) << spec << ": (a*b)(x) = a(b(x))";
      }
    }
  }
  const Group s3 = make_group("symmetric:3");
  EXPECT_EQ(s3.names()[1], "[0 2 1]");
  EXPECT_EQ(s3.names()[3], "[1 2 0]");
}

TEST(Group, ElementOrderCounts) {
  // Q_8: only -1 has order 2; +-i, +-j, +-k have order 4.
  const Group q = make_group("quaternion");
  EXPECT_EQ(order_histogram(q), (std::map<int, int>{{1, 1}, {2, 1}, {4, 6}}));
  EXPECT_EQ(q.element_order(1), 2);
  EXPECT_EQ(q.names()[1], "-1");
  // i j = k, j i = -k.
  EXPECT_EQ(q.names()[q.mul(2, 4)], "k");
  EXPECT_EQ(q.names()[q.mul(4, 2)], "-k");
  // S_4: 6 transpositions + 3 double transpositions of order 2, 8 three-cycles, 6 four-cycles.
  EXPECT_EQ(order_histogram(make_group("symmetric:4")),
            (std::map<int, int>{{1, 1}, {2, 9}, {3, 8}, {4, 6}}));
  EXPECT_EQ(order_histogram(make_group("alternating:5")),
            (std::map<int, int>{{1, 1}, {2, 15}, {3, 20}, {5, 24}}));
}

TEST(Group, LargestFamiliesBuild) {
  // The caps: order 4096, so K <= 6 for S_K (720) and K <= 7 for A_K (2520, not built here to
  // keep the sanitizer build fast; alternating:8 is rejected in BadGroupSpec).
  const Group z = make_group("cyclic:4096");
  EXPECT_EQ(z.order(), 4096);
  EXPECT_EQ(z.mul(4000, 100), 4);
  const Group s6 = make_group("symmetric:6");
  EXPECT_EQ(s6.order(), 720);
  EXPECT_FALSE(s6.is_abelian());
  EXPECT_EQ(s6.names().back(), "[5 4 3 2 1 0]");
}

TEST(Group, HelpListsEveryFamilyWithAnExample) {
  const std::string help = group_families_help();
  for (const char* example : {"cyclic:12", "product:2x2x3", "dihedral:5", "symmetric:4",
                              "alternating:5", "quaternion", "table:", "order:", "generated:"}) {
    EXPECT_NE(help.find(example), std::string::npos) << example;
  }
  EXPECT_GE(std::count(help.begin(), help.end(), '\n'), 7);
}

TEST(Group, ConstructorRejectsInvalidTables) {
  expect_input_error([] { Group("mine", 2, {0, 1, 1}); }, "mine");
  expect_input_error([] { Group("mine", 2, {0, 1, 1, 2}); }, "not closed");
  expect_input_error([] { Group("mine", 2, {0, 1, 1, 0}, {"a"}); }, "names");
  // Z_4's table does not encode Z_2 x Z_2.
  expect_input_error(
      [] {
        Group("z4", 4, make_group("cyclic:4").table(), {}, {2, 2});
      },
      "cyclic factors");
  EXPECT_NO_THROW(Group("k4", 4, make_group("product:2x2").table(), {}, {2, 2}));
}

// ---------------------------------------------------------------------------------------------
// Subgroups

void expect_subgroup(const Group& g, const std::vector<int>& h) {
  ASSERT_FALSE(h.empty());
  EXPECT_TRUE(std::is_sorted(h.begin(), h.end()));
  EXPECT_EQ(std::adjacent_find(h.begin(), h.end()), h.end()) << "duplicates";
  EXPECT_TRUE(std::binary_search(h.begin(), h.end(), g.identity()));
  EXPECT_EQ(g.order() % static_cast<int>(h.size()), 0) << "Lagrange";
  for (int x : h) {
    EXPECT_TRUE(std::binary_search(h.begin(), h.end(), g.inv(x)));
    for (int y : h)
      EXPECT_TRUE(std::binary_search(h.begin(), h.end(), g.mul(x, y))) << x << "*" << y;
  }
}

TEST(Subgroup, NoneAndOrderOneAreTrivial) {
  for (const char* spec : {"cyclic:12", "dihedral:4", "quaternion"}) {
    const Group g = make_group(spec);
    EXPECT_EQ(make_subgroup(g, "none"), std::vector<int>{g.identity()});
    EXPECT_EQ(make_subgroup(g, "order:1"), std::vector<int>{g.identity()});
  }
}

TEST(Subgroup, OrderDIsCyclicOfOrderD) {
  const Group z12 = make_group("cyclic:12");
  for (int d : {1, 2, 3, 4, 6, 12}) {
    const auto h = make_subgroup(z12, "order:" + std::to_string(d));
    EXPECT_EQ(h.size(), static_cast<std::size_t>(d));
    expect_subgroup(z12, h);
  }
  EXPECT_EQ(make_subgroup(z12, "order:4"), (std::vector<int>{0, 3, 6, 9}));
  struct Case {
    const char* group;
    int d;
  };
  for (const Case c : {Case{"dihedral:6", 2}, Case{"dihedral:6", 6}, Case{"symmetric:4", 3},
                       Case{"symmetric:4", 4}, Case{"quaternion", 4}, Case{"alternating:5", 5},
                       Case{"product:2x2x3", 6}}) {
    const Group g = make_group(c.group);
    const auto h = make_subgroup(g, "order:" + std::to_string(c.d));
    EXPECT_EQ(h.size(), static_cast<std::size_t>(c.d)) << c.group;
    expect_subgroup(g, h);
    // It is generated by the smallest-index element of order d.
    int first = 0;
    while (g.element_order(first) != c.d) ++first;
    EXPECT_TRUE(std::binary_search(h.begin(), h.end(), first));
  }
}

TEST(Subgroup, GeneratedIsTheClosure) {
  const Group s3 = make_group("symmetric:3");
  EXPECT_EQ(make_subgroup(s3, "generated:1,2").size(), 6u);  // two transpositions
  EXPECT_EQ(make_subgroup(s3, "generated:3").size(), 3u);    // a 3-cycle
  const Group d4 = make_group("dihedral:4");
  EXPECT_EQ(make_subgroup(d4, "generated:1"), (std::vector<int>{0, 1, 2, 3}));
  EXPECT_EQ(make_subgroup(d4, "generated:4"), (std::vector<int>{0, 4}));
  EXPECT_EQ(make_subgroup(d4, "generated:1,4").size(), 8u);
  EXPECT_EQ(make_subgroup(d4, "generated:2,4").size(), 4u);  // {e, r^2, s, r^2 s}
  for (const char* spec : {"generated:2,4", "generated:5", "generated:0", "generated:1,5,6"}) {
    expect_subgroup(d4, make_subgroup(d4, spec));
  }
  const Group q = make_group("quaternion");
  EXPECT_EQ(make_subgroup(q, "generated:2,4").size(), 8u);  // i and j generate Q_8
  expect_subgroup(q, generate_subgroup(q, {6}));
  EXPECT_EQ(generate_subgroup(q, {}), std::vector<int>{0});
}

TEST(Subgroup, MissingOrderThrows) {
  const Group z12 = make_group("cyclic:12");
  expect_input_error([&] { make_subgroup(z12, "order:7"); }, "no element of order 7");
  expect_input_error([&] { make_subgroup(z12, "order:7"); }, "cyclic:12");
  expect_input_error([&] { make_subgroup(make_group("quaternion"), "order:8"); },
                     "no element of order 8");
  expect_input_error([&] { generate_subgroup(z12, {12}); }, "12");
}

// ---------------------------------------------------------------------------------------------
// Malformed specs

struct BadSpec {
  std::string spec;
  std::string needle;  ///< besides the spec itself, the message must contain this
};

void PrintTo(const BadSpec& c, std::ostream* os) { *os << '"' << c.spec << '"'; }

class BadGroupSpec : public ::testing::TestWithParam<BadSpec> {};

TEST_P(BadGroupSpec, RejectedNamingTheValue) {
  const BadSpec& c = GetParam();
  // Table errors name the file rather than the whole spec.
  const std::string named = c.spec.starts_with("table:") ? c.spec.substr(6) : c.spec;
  expect_input_error([&] { make_group(c.spec); }, named);
  expect_input_error([&] { make_group(c.spec); }, c.needle);
}

INSTANTIATE_TEST_SUITE_P(
    Malformed, BadGroupSpec,
    ::testing::Values(
        BadSpec{"cyclic:0", ">= 1"}, BadSpec{"cyclic:-3", ">= 1"}, BadSpec{"cyclic:abc", ">= 1"},
        BadSpec{"cyclic:", ">= 1"}, BadSpec{"cyclic", "cyclic:N"}, BadSpec{"cyclic:3.5", ">= 1"},
        BadSpec{"cyclic: 3", ">= 1"}, BadSpec{"cyclic:5000", "4096"},
        BadSpec{"cyclic:99999999999999999999", "maximum"}, BadSpec{"dihedral:x", ">= 1"},
        BadSpec{"dihedral:0", ">= 1"}, BadSpec{"dihedral:3000", "maximum 2048"},
        BadSpec{"product:2x", ">= 1"}, BadSpec{"product:0x3", ">= 1"}, BadSpec{"product:", ">= 1"},
        BadSpec{"product:2*3", ">= 1"}, BadSpec{"product:64x128", "4096"},
        BadSpec{"symmetric:0", ">= 1"}, BadSpec{"symmetric:7", "maximum 6"},
        BadSpec{"symmetric:9", "maximum 6"}, BadSpec{"alternating:8", "maximum 7"},
        BadSpec{"foo:3", "unknown"}, BadSpec{"Cyclic:3", "unknown"}, BadSpec{"", "unknown"},
        BadSpec{"quaternion:3", "no parameter"}, BadSpec{"table:", "PATH"},
        BadSpec{"table:/nonexistent/symsweep.txt", "cannot open"}),
    [](const auto& info) { return "case" + std::to_string(info.index); });

struct BadAugment {
  std::string group;
  std::string spec;
  std::string needle;
};

void PrintTo(const BadAugment& c, std::ostream* os) { *os << c.group << " \"" << c.spec << '"'; }

class BadAugmentSpec : public ::testing::TestWithParam<BadAugment> {};

TEST_P(BadAugmentSpec, RejectedNamingTheValue) {
  const BadAugment& c = GetParam();
  const Group g = make_group(c.group);
  expect_input_error([&] { make_subgroup(g, c.spec); }, "augment \"" + c.spec + "\"");
  expect_input_error([&] { make_subgroup(g, c.spec); }, c.needle);
}

INSTANTIATE_TEST_SUITE_P(
    Malformed, BadAugmentSpec,
    ::testing::Values(BadAugment{"cyclic:12", "order:7", "no element of order 7"},
                      BadAugment{"cyclic:12", "order:24", "no element of order 24"},
                      BadAugment{"dihedral:3", "order:6", "no element of order 6"},
                      BadAugment{"cyclic:12", "order:0", ">= 1"},
                      BadAugment{"cyclic:12", "order:x", ">= 1"},
                      BadAugment{"cyclic:12", "order:", ">= 1"},
                      BadAugment{"cyclic:12", "generated:12", "outside 0..11"},
                      BadAugment{"cyclic:12", "generated:-1", "outside 0..11"},
                      BadAugment{"cyclic:12", "generated:1,,2", "not an element index"},
                      BadAugment{"cyclic:12", "generated:a", "\"a\""},
                      BadAugment{"cyclic:12", "generated:", "not an element index"},
                      BadAugment{"cyclic:12", "order", "unknown"},
                      BadAugment{"cyclic:12", "Z2", "unknown"},
                      BadAugment{"cyclic:12", "", "unknown"}),
    [](const auto& info) { return "case" + std::to_string(info.index); });

// ---------------------------------------------------------------------------------------------
// Table files

class TableFile : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("symsweep_group_" + std::string(info->name()) + "_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  /// Writes `text` to a file in the temp dir and returns its path.
  std::string write(const std::string& name, const std::string& text) {
    const auto path = (dir_ / name).string();
    std::ofstream(path) << text;
    return path;
  }

  std::filesystem::path dir_;
};

TEST_F(TableFile, ReadsAValidTableWithComments) {
  const std::string path = write("z4.txt",
                                 "# Z_4\n"
                                 "0 1 2 3\n"
                                 "\n"
                                 "1 2 3 0   # row 1\n"
                                 "  2 3 0 1\n"
                                 "3\t0 1 2\n");
  const Group g = make_group("table:" + path);
  EXPECT_EQ(g.order(), 4);
  EXPECT_EQ(g.spec(), "table:" + path);
  EXPECT_TRUE(g.is_abelian());
  EXPECT_EQ(g.cyclic_factors(), std::vector<int>{4});
  EXPECT_EQ(g.element_order(1), 4);
  expect_group_axioms(g);
}

TEST_F(TableFile, IdentityNeedNotBeZero) {
  // S_3 relabelled so that the identity is element 2; the table is taken from symmetric:3 by the
  // relabelling x -> (x + 2) % 6.
  const Group s3 = make_group("symmetric:3");
  std::ostringstream text;
  for (int row = 0; row < 6; ++row) {
    for (int col = 0; col < 6; ++col) {
      const int a = (row + 4) % 6, b = (col + 4) % 6;
      text << (s3.mul(a, b) + 2) % 6 << (col == 5 ? "\n" : " ");
    }
  }
  const Group g = make_group("table:" + write("s3.txt", text.str()));
  EXPECT_EQ(g.identity(), 2);
  EXPECT_FALSE(g.is_abelian());
  EXPECT_TRUE(g.cyclic_factors().empty());
  expect_group_axioms(g);
  EXPECT_EQ(order_histogram(g), order_histogram(s3));
}

TEST_F(TableFile, RejectsBadTablesNamingTheFile) {
  struct Case {
    std::string name, text, needle;
  };
  const std::vector<Case> cases = {
      // A loop of order 5 (Latin square with identity 0, x*x = 0): not a group.
      {"loop.txt", "0 1 2 3 4\n1 0 3 4 2\n2 4 0 1 3\n3 2 4 0 1\n4 3 1 2 0\n", "not associative"},
      // A loop of order 6 whose law holds for the middle element 1 but fails for 2: a checker
      // that tests too few middle elements accepts it.
      {"loop6.txt",
       "0 1 2 3 4 5\n1 0 5 4 3 2\n2 4 0 1 5 3\n3 5 4 0 2 1\n4 2 3 5 1 0\n5 3 1 2 0 4\n",
       "not associative"},
      {"no_identity.txt", "0 0\n0 0\n", "no identity"},
      {"no_inverse.txt", "0 1\n1 1\n", "has no inverse"},
      {"ragged.txt", "0 1 2\n1 2\n2 0 1\n", "line 2 has 2 entries"},
      {"short.txt", "0 1 2\n1 2 0\n", "2 rows"},
      {"long.txt", "0 1\n1 0\n0 1\n", "more than 2 rows"},
      {"range.txt", "0 1\n1 2\n", "entry 2 is outside 0..1"},
      {"negative.txt", "0 -1\n1 0\n", "outside 0..1"},
      {"word.txt", "0 1\n1 one\n", "\"one\" is not an integer"},
      {"empty.txt", "# nothing here\n\n", "no rows"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const std::string path = write(c.name, c.text);
    expect_input_error([&] { make_group("table:" + path); }, "table \"" + path + "\"");
    expect_input_error([&] { make_group("table:" + path); }, c.needle);
  }
  // The associativity message names a failing triple that really fails.
  const std::string path = dir_ / "loop.txt";
  try {
    make_group("table:" + path);
  } catch (const InputError& e) {
    const std::string message = e.what();
    int x = 0, y = 0, z = 0;
    ASSERT_EQ(std::sscanf(message.substr(message.find("not associative: ")).c_str(),
                          "not associative: (%d*%d)*%d", &x, &y, &z),
              3)
        << message;
    std::vector<std::vector<int>> t = {
        {0, 1, 2, 3, 4}, {1, 0, 3, 4, 2}, {2, 4, 0, 1, 3}, {3, 2, 4, 0, 1}, {4, 3, 1, 2, 0}};
    EXPECT_NE(t[t[x][y]][z], t[x][t[y][z]]) << message;
  }
  expect_input_error([&] { make_group("table:" + dir_.string()); }, "directory");
}

/// `g` with its elements renamed by a random permutation: the same group, as a plain table (no
/// cyclic factors), and the permutation (new index of each old element).
std::pair<Group, std::vector<int>> relabelled(const Group& g, unsigned seed) {
  const int n = g.order();
  std::vector<int> to(static_cast<std::size_t>(n));
  std::iota(to.begin(), to.end(), 0);
  std::mt19937 rng(seed);
  std::shuffle(to.begin(), to.end(), rng);
  std::vector<int> table(static_cast<std::size_t>(n) * n);
  for (int a = 0; a < n; ++a) {
    for (int b = 0; b < n; ++b) table[static_cast<std::size_t>(to[a]) * n + to[b]] = to[g.mul(a, b)];
  }
  return {Group("relabelled " + g.spec(), n, std::move(table)), to};
}

TEST(AbelianBasis, RelabelledProductsGetTheirInvariantFactorsAndTheSameCharacters) {
  for (const char* spec : {"cyclic:1", "cyclic:12", "product:2x4", "product:2x2x3", "product:4x4x2",
                           "product:3x9x3", "dihedral:2"}) {
    const Group g = make_group(spec);
    const auto [h, to] = relabelled(g, 7);
    ASSERT_TRUE(h.cyclic_factors().empty()) << spec;
    const AbelianBasis basis = abelian_basis(h);
    // Invariant factors: descending, each a multiple of the next, their product the order.
    long long product = 1;
    for (std::size_t i = 0; i < basis.factors.size(); ++i) {
      product *= basis.factors[i];
      if (i > 0) {
        EXPECT_EQ(basis.factors[i - 1] % basis.factors[i], 0) << spec;
      }
    }
    EXPECT_EQ(product, g.order()) << spec;
    // The characters of the relabelled group, read back through the permutation, are the
    // original's (as a set of columns: the two bases may differ).
    const DualGroup original(g), renamed(h);
    const int n = g.order();
    std::vector<std::vector<std::pair<long long, long long>>> a_cols, b_cols;
    auto key = [](std::complex<double> z) {
      return std::pair<long long, long long>{std::llround(z.real() * 1e9),
                                             std::llround(z.imag() * 1e9)};
    };
    for (int k = 0; k < n; ++k) {
      std::vector<std::pair<long long, long long>> ca, cb;
      for (int x = 0; x < n; ++x) {
        ca.push_back(key(original.characters()(x, k)));
        cb.push_back(key(renamed.characters()(to[x], k)));
      }
      a_cols.push_back(ca);
      b_cols.push_back(cb);
    }
    std::sort(a_cols.begin(), a_cols.end());
    std::sort(b_cols.begin(), b_cols.end());
    EXPECT_EQ(a_cols, b_cols) << spec;
    // A homomorphism on every pair, and the dual's arithmetic is that of the characters.
    double err = 0.0;
    for (int x = 0; x < n; ++x) {
      for (int y = 0; y < n; ++y) {
        for (int k = 0; k < n; ++k) {
          err = std::max(err, std::abs(renamed.characters()(h.mul(x, y), k) -
                                       renamed.characters()(x, k) * renamed.characters()(y, k)));
        }
      }
      for (int k1 = 0; k1 < n; ++k1) {
        for (int k2 = 0; k2 < n; ++k2) {
          err = std::max(err, std::abs(renamed.characters()(x, renamed.add(k1, k2)) -
                                       renamed.characters()(x, k1) * renamed.characters()(x, k2)));
        }
      }
    }
    EXPECT_LT(err, 1e-12) << spec;
  }
  expect_input_error([] { abelian_basis(make_group("symmetric:3")); }, "not abelian");
}

}  // namespace
}  // namespace symsweep::core
