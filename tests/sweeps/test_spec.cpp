#include <gtest/gtest.h>

#include <set>
#include <string>

#include "core/error.hpp"
#include "sweeps/spec.hpp"
#include "tests/core/test_util.hpp"

namespace symsweep::sweeps {
namespace {

const char* kGood = R"(
[sweep]
name = "good"
seeds = 2

[grid]
group = ["cyclic:5", "cyclic:7"]
width = [8, 16]
data_fraction = {linspace = [0.2, 0.8, 4]}
augment = ["none"]

[train]
steps = 10
lr = 1e-2
)";

TEST(Spec, ExpandsTheGridTimesSeeds) {
  const SweepSpec s = parse_spec(kGood, "good.toml");
  EXPECT_EQ(s.name, "good");
  EXPECT_EQ(s.seeds, (std::vector<std::uint64_t>{0, 1}));
  ASSERT_EQ(s.runs.size(), 2u * 2u * 4u * 2u);
  std::set<std::string> hashes;
  for (const PlannedRun& r : s.runs) {
    hashes.insert(r.config_hash);
    EXPECT_EQ(r.config.train.steps, 10);
    EXPECT_DOUBLE_EQ(r.config.train.lr, 1e-2);
    EXPECT_EQ(r.group_order, r.config.group == "cyclic:5" ? 5 : 7);
  }
  EXPECT_EQ(hashes.size(), s.runs.size());
  // linspace gives the values a user would type: 0.2, 0.4, 0.6, 0.8.
  std::set<double> fractions;
  for (const PlannedRun& r : s.runs) fractions.insert(r.config.data_fraction);
  EXPECT_EQ(fractions, (std::set<double>{0.2, 0.4, 0.6, 0.8}));
}

TEST(Spec, HashIgnoresSpellingAndKeyOrder) {
  const SweepSpec a = parse_spec(R"(
[sweep]
name = "a"
seeds = [3]
[grid]
group = ["cyclic:7"]
data_fraction = [0.1]
width = [16]
[train]
lr = 0.003
weight_decay = 0.1
)",
                                 "a.toml");
  const SweepSpec b = parse_spec(R"(
[train]
weight_decay = 0.10
lr = 3e-3
[grid]
width = 16
data_fraction = [0.10]
group = ["cyclic:07"]
augment = ["order:1"]
[sweep]
seeds = [3]
name = "b"
)",
                                 "b.toml");
  ASSERT_EQ(a.runs.size(), 1u);
  ASSERT_EQ(b.runs.size(), 1u);
  EXPECT_EQ(a.runs[0].config_hash, b.runs[0].config_hash);
  EXPECT_EQ(a.runs[0].config_json, b.runs[0].config_json);
  // A different value is a different run.
  const SweepSpec c = parse_spec(R"(
[sweep]
name = "c"
seeds = [3]
[grid]
group = ["cyclic:7"]
data_fraction = [0.1]
width = [16]
[train]
lr = 0.0031
)",
                                 "c.toml");
  EXPECT_NE(a.runs[0].config_hash, c.runs[0].config_hash);
}

TEST(Spec, TrainKeysCanBeAxesAndLogspaceWorks) {
  const SweepSpec s = parse_spec(R"(
[sweep]
name = "axes"
[grid]
group = "cyclic:5"
data_fraction = {logspace = [0.01, 1.0, 3]}
lr = [1e-3, 1e-2]
optimizer = ["gd", "adamw"]
)",
                                 "axes.toml");
  EXPECT_EQ(s.runs.size(), 3u * 2u * 2u);
  std::set<double> fractions;
  for (const PlannedRun& r : s.runs) fractions.insert(r.config.data_fraction);
  EXPECT_EQ(fractions, (std::set<double>{0.01, 0.1, 1.0}));
}

TEST(Spec, SkipInvalidAugmentationsOnlyWhenAsked) {
  const std::string body = R"(
[grid]
group = ["cyclic:12", "cyclic:7"]
data_fraction = [0.5]
augment = ["order:7"]
)";
  EXPECT_THROW(parse_spec("[sweep]\nname = \"x\"\n" + body, "x.toml"), InputError);
  const SweepSpec s =
      parse_spec("[sweep]\nname = \"x\"\nskip_invalid = true\n" + body, "x.toml");
  ASSERT_EQ(s.runs.size(), 1u);
  EXPECT_EQ(s.runs[0].config.group, "cyclic:7");
  EXPECT_EQ(s.runs[0].augment_order, 7);
  ASSERT_EQ(s.warnings.size(), 1u);
  EXPECT_NE(s.warnings[0].find("cyclic:12"), std::string::npos);
}

struct BadSpec {
  const char* what;
  const char* text;
  const char* message;  ///< must appear in the error
  int line;             ///< the line the error must name (0: any)
};

class MalformedSpec : public ::testing::TestWithParam<BadSpec> {};

TEST_P(MalformedSpec, IsRejectedWithKeyAndLine) {
  const BadSpec& b = GetParam();
  try {
    parse_spec(b.text, "bad.toml");
    FAIL() << b.what << ": accepted";
  } catch (const InputError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(b.message), std::string::npos) << b.what << ": " << msg;
    if (b.line > 0) {
      EXPECT_NE(msg.find("bad.toml:" + std::to_string(b.line) + ":"), std::string::npos)
          << b.what << ": " << msg;
    }
    EXPECT_EQ(msg.find('\n'), std::string::npos) << "one line: " << msg;
  }
}

#define HEAD "[sweep]\nname = \"s\"\n"
#define GRID "[grid]\ngroup = [\"cyclic:5\"]\ndata_fraction = [0.5]\n"

INSTANTIATE_TEST_SUITE_P(
    Table, MalformedSpec,
    ::testing::Values(
        BadSpec{"syntax", HEAD "[grid\n", "TOML syntax error", 3},
        BadSpec{"unknown table", HEAD GRID "[trian]\nlr = 1\n", "trian", 6},
        BadSpec{"unknown sweep key", HEAD "seed = 3\n" GRID, "[sweep] seed", 3},
        BadSpec{"unknown axis", HEAD GRID "widht = [3]\n", "[grid] widht", 6},
        BadSpec{"unknown train key", HEAD GRID "[train]\nlearning_rate = 1\n", "learning_rate", 7},
        BadSpec{"missing name", "[sweep]\nseeds = 1\n" GRID, "[sweep] name", 0},
        BadSpec{"missing sweep", GRID, "[sweep]", 0},
        BadSpec{"missing group", HEAD "[grid]\ndata_fraction = [0.5]\n", "[grid] group", 0},
        BadSpec{"missing fraction", HEAD "[grid]\ngroup = [\"cyclic:5\"]\n", "data_fraction", 0},
        BadSpec{"empty axis", HEAD "[grid]\ngroup = []\ndata_fraction = [0.5]\n", "empty axis", 4},
        BadSpec{"fraction > 1", HEAD "[grid]\ngroup = [\"cyclic:5\"]\ndata_fraction = [0.5, 1.5]\n",
                "1.5 is outside (0, 1]", 5},
        BadSpec{"fraction 0", HEAD "[grid]\ngroup = [\"cyclic:5\"]\ndata_fraction = [0]\n",
                "outside (0, 1]", 5},
        BadSpec{"bad group", HEAD "[grid]\ngroup = [\"cyclic:0\"]\ndata_fraction = [0.5]\n",
                "cyclic:0", 4},
        BadSpec{"unknown family", HEAD "[grid]\ngroup = [\"klein\"]\ndata_fraction = [0.5]\n",
                "klein", 4},
        BadSpec{"group not a string", HEAD "[grid]\ngroup = [5]\ndata_fraction = [0.5]\n",
                "expected a string", 4},
        BadSpec{"width a string", HEAD GRID "width = [\"wide\"]\n", "expected an integer", 6},
        BadSpec{"width a float", HEAD GRID "width = [8.5]\n", "expected an integer", 6},
        BadSpec{"width zero", HEAD GRID "width = [0]\n", "width 0", 6},
        BadSpec{"negative lr", HEAD GRID "[train]\nlr = -1.0\n", "[train] lr", 7},
        BadSpec{"bad optimizer", HEAD GRID "[train]\noptimizer = \"sgd\"\n", "sgd", 7},
        BadSpec{"bad precision", HEAD GRID "[train]\nprecision = \"f16\"\n", "f16", 7},
        BadSpec{"list under train", HEAD GRID "[train]\nlr = [1e-3, 1e-2]\n", "put it under [grid]",
                7},
        BadSpec{"both grid and train", HEAD GRID "lr = [1e-3]\n[train]\nlr = 1e-2\n",
                "both [grid] and [train]", 8},
        BadSpec{"grid key under train", HEAD GRID "[train]\naugment = \"none\"\n", "grid axis", 7},
        BadSpec{"bad augment", HEAD GRID "augment = [\"order:7\"]\n", "order:7", 6},
        BadSpec{"malformed augment", HEAD GRID "augment = [\"sub:3\"]\n", "sub:3", 6},
        BadSpec{"linspace short", HEAD "[grid]\ngroup = [\"cyclic:5\"]\ndata_fraction = {linspace = [0.1, 0.5]}\n",
                "linspace expects [first, last, count]", 5},
        BadSpec{"logspace nonpositive", HEAD "[grid]\ngroup = [\"cyclic:5\"]\ndata_fraction = {logspace = [0, 0.5, 3]}\n",
                "logspace needs first and last > 0", 5},
        BadSpec{"unknown range", HEAD "[grid]\ngroup = [\"cyclic:5\"]\ndata_fraction = {range = [0.1, 0.5, 3]}\n",
                "unknown range", 5},
        BadSpec{"seeds negative", "[sweep]\nname = \"s\"\nseeds = [-1]\n" GRID, "negative", 3},
        BadSpec{"seeds zero count", "[sweep]\nname = \"s\"\nseeds = 0\n" GRID, "[sweep] seeds", 3},
        BadSpec{"seeds string", "[sweep]\nname = \"s\"\nseeds = \"three\"\n" GRID, "[sweep] seeds", 3},
        BadSpec{"ranks_per_run zero", "[sweep]\nname = \"s\"\nranks_per_run = 0\n" GRID,
                "ranks_per_run", 3},
        BadSpec{"skip_invalid not bool", "[sweep]\nname = \"s\"\nskip_invalid = 1\n" GRID,
                "true or false", 3},
        BadSpec{"empty name", "[sweep]\nname = \"\"\n" GRID, "must not be empty", 2},
        BadSpec{"steps negative", HEAD GRID "[train]\nsteps = -4\n", "steps", 7}),
    [](const auto& info) { return test::param_name(info.param.what); });

}  // namespace
}  // namespace symsweep::sweeps
