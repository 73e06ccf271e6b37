// GAP as a group source (core/gap.hpp): gap:EXPR groups and the small-group listing against
// symsweep's own computations on the tables GAP gives, the answers' cache, and every refusal.
// Runs GAP ($SYMSWEEP_GAP or `gap` on PATH); deploy/install-deps.sh installs it.

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "symsweep/core/error.hpp"
#include "symsweep/core/gap.hpp"
#include "symsweep/core/group.hpp"
#include "symsweep/core/irreps.hpp"
#include "symsweep/core/potentials.hpp"

namespace symsweep::core {
namespace {

namespace fs = std::filesystem;

/// A fresh cache directory and no answers in memory, restored afterwards.
class GapTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("symsweep_gap_test_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    set_gap_cache_dir(dir_.string());
    forget_gap_answers();
  }
  void TearDown() override {
    forget_gap_answers();
    fs::remove_all(dir_);
    ::unsetenv("SYMSWEEP_GAP");
    ::unsetenv("SYMSWEEP_GAP_TIMEOUT");
  }
  /// The message of the InputError `f` throws ("" when it throws none).
  template <typename F>
  static std::string refusal(F&& f) {
    try {
      f();
    } catch (const InputError& e) {
      return e.what();
    }
    return "";
  }
  fs::path dir_;
};

std::vector<int> degrees_of(const IrrepSet& irreps) {
  std::vector<int> d;
  for (const Irrep& r : irreps.irreps()) d.push_back(r.dim);
  std::sort(d.begin(), d.end());
  return d;
}

TEST_F(GapTest, EverySmallGroupOfTheseOrdersIsAGroupWithTheDegreesGapLists) {
  // GAP's listing (IsAbelian, CharacterDegrees) against what symsweep computes itself from the
  // Cayley table GAP gives for the same group (its axioms, commutativity, Dixon's irreps).
  for (int order : {1, 6, 8, 12, 16}) {
    const int before = gap_invocations();
    const std::vector<SmallGroupInfo> groups = small_groups(order, true);
    ASSERT_FALSE(groups.empty()) << order;
    for (const SmallGroupInfo& info : groups) {
      const Group g = make_group(info.spec());
      EXPECT_EQ(g.spec(), info.spec());
      EXPECT_EQ(g.order(), order) << info.spec();
      EXPECT_EQ(g.identity(), 0) << info.spec();
      EXPECT_EQ(g.is_abelian(), info.abelian) << info.spec() << " " << info.structure;
      const IrrepSet irreps(g);
      EXPECT_EQ(degrees_of(irreps), info.degrees) << info.spec() << " " << info.structure;
      if (info.abelian) {
        // The closed-form characters over the group's basis are Dixon's, as a set.
        const DualGroup dual(g);
        int matched = 0;
        for (const Irrep& r : irreps.irreps()) {
          for (int k = 0; k < order; ++k) {
            if ((dual.characters().col(k) - r.character).cwiseAbs().maxCoeff() < 1e-9) {
              ++matched;
              break;
            }
          }
        }
        EXPECT_EQ(matched, order) << info.spec() << " " << info.structure;
      }
      // Element names are GAP's, one per element, all different.
      std::vector<std::string> names = g.names();
      std::sort(names.begin(), names.end());
      EXPECT_EQ(std::adjacent_find(names.begin(), names.end()), names.end()) << info.spec();
    }
    // The listing and every table in two GAP runs, not one a group.
    EXPECT_EQ(gap_invocations() - before, 2) << "order " << order;
  }
}

TEST_F(GapTest, AnExpressionIsCanonicalWithoutWhitespaceAndGivesTheSameTable) {
  const Group a = make_group("gap:SmallGroup(24,12)");
  const Group b = make_group("gap: SmallGroup( 24, 12 )");
  EXPECT_EQ(b.spec(), "gap:SmallGroup(24,12)");
  EXPECT_EQ(a.table(), b.table());
  EXPECT_EQ(a.names(), b.names());
  // Another expression for an isomorphic group is another spec with its own table.
  const Group s4 = make_group("gap:SymmetricGroup(4)");
  EXPECT_EQ(s4.spec(), "gap:SymmetricGroup(4)");
  EXPECT_EQ(degrees_of(IrrepSet(s4)), degrees_of(IrrepSet(a)));
}

TEST_F(GapTest, AnAnswerIsAskedOnceThenComesFromMemoryOrTheCache) {
  const int before = gap_invocations();
  const Group first = make_group("gap:DihedralGroup(10)");
  EXPECT_EQ(gap_invocations(), before + 1);
  make_group("gap:DihedralGroup(10)");
  EXPECT_EQ(gap_invocations(), before + 1) << "asked again despite the answer in memory";
  forget_gap_answers();
  // Without GAP, the cache directory answers.
  ::setenv("SYMSWEEP_GAP", "/nonexistent/gap", 1);
  const Group cached = make_group("gap:DihedralGroup(10)");
  EXPECT_EQ(gap_invocations(), before + 1);
  EXPECT_EQ(cached.table(), first.table());
  // A damaged cache file is not trusted: GAP is asked again (and is missing here).
  forget_gap_answers();
  for (const auto& entry : fs::directory_iterator(dir_)) {
    std::string question;
    std::getline(std::ifstream(entry.path()) >> std::ws, question);
    std::ofstream(entry.path()) << question << "\norder 10\nnames\ttoo\tfew\n";
  }
  EXPECT_NE(refusal([] { make_group("gap:DihedralGroup(10)"); }).find("needs GAP"),
            std::string::npos);
}

TEST_F(GapTest, AnswersFromAnotherRankAreUsedAndAContradictionIsRefused) {
  const std::string text = gap_group_text("CyclicGroup(3)");
  auto answers = gap_answers();
  ASSERT_EQ(answers.count("group gap:CyclicGroup(3)"), 1U);
  forget_gap_answers();
  fs::remove_all(dir_);
  ::setenv("SYMSWEEP_GAP", "/nonexistent/gap", 1);
  remember_gap_answers(answers);
  EXPECT_EQ(make_group("gap:CyclicGroup(3)").order(), 3);
  answers["group gap:CyclicGroup(3)"] = text + " ";
  EXPECT_NE(refusal([&] { remember_gap_answers(answers); }).find("differs"), std::string::npos);
}

TEST_F(GapTest, BadExpressionsAreRefusedInOneLineNamingThem) {
  struct Case {
    const char* spec;
    const char* says;
  };
  const Case cases[] = {
      {"gap:SmallGroup(24,12", "Syntax error"},
      {"gap:FreeGroup(2)", "not a finite group"},
      {"gap:Integers", "not a group"},
      {"gap:SymmetricGroup(8)", "order 40320 exceeds the maximum 4096"},
      {"gap:SmallGroup(24,99)", "GAP: "},
      {"gap:CyclicGroup(2);CyclicGroup(3)", "one GAP expression"},
      {"gap:", "expected gap:EXPR"},
  };
  for (const Case& c : cases) {
    const std::string message = refusal([&] { make_group(c.spec); });
    EXPECT_NE(message.find(c.says), std::string::npos) << c.spec << ": " << message;
    EXPECT_NE(message.find("group \"gap:"), std::string::npos) << c.spec << ": " << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << c.spec << ": " << message;
  }
  EXPECT_NE(refusal([] { small_groups(1024); }).find("does not cover order 1024"),
            std::string::npos);
}

TEST_F(GapTest, AMissingOrSlowGapIsReportedAndNothingIsCached) {
  ::setenv("SYMSWEEP_GAP", "/nonexistent/gap", 1);
  const std::string missing = refusal([] { make_group("gap:CyclicGroup(5)"); });
  EXPECT_NE(missing.find("needs GAP"), std::string::npos) << missing;
  EXPECT_NE(missing.find("gap-core"), std::string::npos) << missing;
  ::unsetenv("SYMSWEEP_GAP");
  // GAP's start-up alone takes longer than this.
  ::setenv("SYMSWEEP_GAP_TIMEOUT", "0.05", 1);
  const std::string slow = refusal([] { make_group("gap:CyclicGroup(5)"); });
  EXPECT_NE(slow.find("no answer within"), std::string::npos) << slow;
  EXPECT_TRUE(gap_answers().empty());
  EXPECT_TRUE(!fs::exists(dir_) || fs::is_empty(dir_));
}

}  // namespace
}  // namespace symsweep::core
