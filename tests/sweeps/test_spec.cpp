#include <fmt/core.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <set>
#include <string>

#include "symsweep/core/error.hpp"
#include "spec/limits.hpp"
#include "spec/spec.hpp"
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

// `potentials` (what a logged step measures) is a setting like the others, but at its default
// it leaves the config JSON, and so every hash stored before it existed, unchanged.
TEST(Spec, PotentialsIsASettingThatKeepsOldHashesAtItsDefault) {
  const std::string head = "[sweep]\nname = \"p\"\n[grid]\ngroup = [\"cyclic:5\"]\n"
                           "data_fraction = [0.5]\n";
  const SweepSpec plain = parse_spec(head, "p.toml");
  const SweepSpec dflt = parse_spec(head + "[train]\npotentials = \"auto\"\n", "p.toml");
  const SweepSpec full = parse_spec(head + "[train]\npotentials = \"full\"\n", "p.toml");
  ASSERT_EQ(plain.runs.size(), 1u);
  EXPECT_EQ(plain.runs[0].config_json.find("potentials"), std::string::npos);
  EXPECT_EQ(plain.runs[0].config_hash, dflt.runs[0].config_hash);
  EXPECT_NE(plain.runs[0].config_hash, full.runs[0].config_hash);
  EXPECT_EQ(full.runs[0].config.train.potentials, core::Potentials::kFull);
  EXPECT_NE(full.runs[0].config_json.find(R"("potentials":"full")"), std::string::npos);
  const SweepSpec axis =
      parse_spec(head + "potentials = [\"auto\", \"diagonal\"]\n", "p.toml");
  EXPECT_EQ(axis.runs.size(), 2u);
  try {
    parse_spec(head + "[train]\npotentials = \"some\"\n", "p.toml");
    FAIL() << "accepted potentials = some";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("p.toml:7: [train] potentials: potentials \"some\": "
                                         "expected auto, full or diagonal"),
              std::string::npos)
        << e.what();
  }
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
        BadSpec{"bad optimizer", HEAD GRID "[train]\noptimizer = \"lbfgs\"\n", "lbfgs", 7},
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
        BadSpec{"steps negative", HEAD GRID "[train]\nsteps = -4\n", "steps", 7},
        // Repeated axis values, after canonicalisation, name the value and its line.
        BadSpec{"seed twice", "[sweep]\nname = \"s\"\nseeds = [0, 0]\n" GRID,
                "[sweep] seeds: the value 0 appears twice", 3},
        BadSpec{"seed twice on its line", "[sweep]\nname = \"s\"\nseeds = [\n  3,\n  1,\n  3,\n]\n" GRID,
                "[sweep] seeds: the value 3 appears twice", 6},
        BadSpec{"width twice", HEAD GRID "width = [128, 64, 128]\n",
                "[grid] width: the value 128 appears twice", 6},
        BadSpec{"group twice", HEAD "[grid]\ngroup = [\"cyclic:7\", \"cyclic:07\"]\ndata_fraction = [0.5]\n",
                "[grid] group: the value \"cyclic:7\" appears twice (as \"cyclic:7\" and \"cyclic:07\"", 4},
        BadSpec{"fraction twice", HEAD "[grid]\ngroup = [\"cyclic:5\"]\ndata_fraction = [0.1, 0.10]\n",
                "[grid] data_fraction: the value 0.1 appears twice", 5},
        BadSpec{"linspace repeats", HEAD "[grid]\ngroup = [\"cyclic:5\"]\ndata_fraction = {linspace = [0.5, 0.5, 3]}\n",
                "the value 0.5 appears twice", 5},
        BadSpec{"augment twice", HEAD GRID "augment = [\"none\", \"order:1\"]\n",
                "[grid] augment: the value \"none\" appears twice", 6},
        BadSpec{"lr twice", HEAD GRID "lr = [1e-3, 0.001]\n", "[grid] lr: the value 0.001 appears twice", 6},
        BadSpec{"optimizer twice", HEAD GRID "optimizer = [\"gd\", \"gd\"]\n", "the value \"gd\" appears twice", 6},
        // Integers out of range.
        BadSpec{"seed beyond 64 bits", "[sweep]\nname = \"s\"\nseeds = [18446744073709551616]\n" GRID,
                "the integer 18446744073709551616 is out of range (TOML integers are "
                "-9223372036854775808..9223372036854775807)", 3},
        BadSpec{"negative beyond 64 bits", HEAD GRID "[train]\nsteps = -9223372036854775809\n",
                "the integer -9223372036854775809 is out of range", 7},
        BadSpec{"seed 2^63", "[sweep]\nname = \"s\"\nseeds = [9223372036854775808]\n" GRID,
                "out of range", 3},
        BadSpec{"width beyond the maximum", HEAD GRID "width = [16777217]\n",
                "width 16777217: expected an integer in 1..16777216", 6},
        BadSpec{"log_every negative", HEAD GRID "[train]\nlog_every = -1\n", "log every -1", 7},
        // Sizes refused before anything is built.
        BadSpec{"seed count beyond the run limit", "[sweep]\nname = \"s\"\nseeds = 1000000\n" GRID,
                "1000000 seeds alone exceed the number of runs allowed; the limit is 100000 "
                "(--max-runs to change)", 3},
        BadSpec{"linspace beyond the run limit",
                HEAD "[grid]\ngroup = [\"cyclic:5\"]\ndata_fraction = {linspace = [0.1, 0.5, 1000000000000]}\n",
                "linspace count 1000000000000 alone exceeds the number of runs allowed", 5},
        BadSpec{"logspace count zero",
                HEAD "[grid]\ngroup = [\"cyclic:5\"]\ndata_fraction = {logspace = [0.1, 0.5, 0]}\n",
                "logspace count 0 must be >= 1", 5}),
    [](const auto& info) { return test::param_name(info.param.what); });

/// The message of the InputError `f` throws ("" when it does not throw).
template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(Spec, GridBlocksJoinTheirGridsAndShareTrainAndSeeds) {
  // A fine fraction grid per group, as a coarse pass would suggest.
  const SweepSpec s = parse_spec(R"(
[sweep]
name = "blocks"
seeds = 2

[[grid]]
group = ["cyclic:12"]
augment = ["none", "order:2"]
data_fraction = [0.3, 0.4, 0.5]

[[grid]]
group = ["cyclic:30"]
data_fraction = [0.1, 0.15]

[[grid]]
group = ["cyclic:12"]
data_fraction = [0.5, 0.6]

[train]
steps = 10
)",
                                 "blocks.toml");
  // 2 x 3 + 2 + 2 points, one of them (cyclic:12, none, 0.5) in two blocks: 9 points x 2 seeds.
  ASSERT_EQ(s.runs.size(), 9u * 2u);
  std::set<std::string> hashes;
  std::map<std::string, std::set<double>> fractions;
  for (const PlannedRun& r : s.runs) {
    hashes.insert(r.config_hash);
    EXPECT_EQ(r.config.train.steps, 10);
    fractions[r.config.group + " " + r.config.augment].insert(r.config.data_fraction);
  }
  EXPECT_EQ(hashes.size(), s.runs.size());
  EXPECT_EQ(fractions["cyclic:12 none"], (std::set<double>{0.3, 0.4, 0.5, 0.6}));
  EXPECT_EQ(fractions["cyclic:12 order:2"], (std::set<double>{0.3, 0.4, 0.5}));
  EXPECT_EQ(fractions["cyclic:30 none"], (std::set<double>{0.1, 0.15}));
  EXPECT_EQ(s.tasks.size(), 2u);

  // A run is the same run whichever form of grid lists it.
  const SweepSpec one = parse_spec(
      "[sweep]\nname = \"one\"\nseeds = 2\n[grid]\ngroup = [\"cyclic:30\"]\n"
      "data_fraction = [0.15]\n[train]\nsteps = 10\n",
      "one.toml");
  for (const PlannedRun& r : one.runs) EXPECT_EQ(hashes.count(r.config_hash), 1u);
}

TEST(Spec, GridBlocksAreNamedInErrorsAndCountTogetherAgainstTheLimit) {
  const std::string head = "[sweep]\nname = \"b\"\nseeds = 2\n";
  const std::string first = "[[grid]]\ngroup = [\"cyclic:5\"]\ndata_fraction = [0.2, 0.4]\n";
  // Line 7: the second block, which lacks its fractions.
  std::string msg = error_of([&] {
    parse_spec(head + first + "[[grid]]\ngroup = [\"cyclic:7\"]\n", "b.toml");
  });
  EXPECT_NE(msg.find("b.toml:7: [grid #2] data_fraction: missing"), std::string::npos) << msg;
  msg = error_of([&] {
    parse_spec(head + first + "[[grid]]\ngroup = [\"cyclic:7\"]\ndata_fraction = [2.0]\n",
               "b.toml");
  });
  EXPECT_EQ(msg, "b.toml:9: [grid #2] data_fraction: 2 is outside (0, 1]");
  // [grid] may not be a list of numbers.
  msg = error_of([&] { parse_spec("grid = [1, 2]\n" + head, "b.toml"); });
  EXPECT_NE(msg.find("expected a table [grid] or tables [[grid]]"), std::string::npos) << msg;
  // 4 + 6 runs: within a limit of 10, over one of 9, and the message shows both blocks.
  const std::string two =
      head + first + "[[grid]]\ngroup = [\"cyclic:7\"]\ndata_fraction = [0.2, 0.4, 0.6]\n";
  EXPECT_EQ(parse_spec(two, "b.toml", SpecLimits{10}).runs.size(), 10u);
  EXPECT_EQ(error_of([&] { parse_spec(two, "b.toml", SpecLimits{9}); }),
            "b.toml: [[grid]]: the grid has 10 runs (data_fraction 2 x 2 seeds + data_fraction 3 "
            "x 2 seeds); the limit is 9 (--max-runs to change)");
}

TEST(SpecLimits, AGridOfTenMillionRunsIsRefusedFromItsAxisLengths) {
  std::string widths;
  for (int w = 1; w <= 100; ++w) widths += (w > 1 ? ", " : "") + std::to_string(w);
  std::string groups;
  for (int n = 2; n <= 11; ++n) groups += fmt::format("{}\"cyclic:{}\"", n > 2 ? ", " : "", n);
  const std::string text = "[sweep]\nname = \"huge\"\nseeds = 10\n[grid]\ngroup = [" + groups +
                           "]\nwidth = [" + widths +
                           "]\ndata_fraction = {linspace = [0.01, 1.0, 100]}\n"
                           "lr = {logspace = [1e-4, 1e-1, 10]}\n";
  const auto start = std::chrono::steady_clock::now();
  const std::string msg = error_of([&] { parse_spec(text, "huge.toml"); });
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(msg,
            "huge.toml: [grid]: the grid has 10000000 runs (group 10 x width 100 x data_fraction "
            "100 x lr 10 x 10 seeds); the limit is 100000 (--max-runs to change)");
  EXPECT_LT(seconds, 2.0);  // a loose bound: expanding 10^7 runs would take far longer

  // A larger limit lets a grid through; a smaller one refuses it.
  const std::string small = "[sweep]\nname = \"s\"\nseeds = 4\n[grid]\ngroup = [\"cyclic:5\"]\n"
                            "data_fraction = [0.2, 0.4, 0.6, 0.8]\n";
  EXPECT_EQ(parse_spec(small, "s.toml", SpecLimits{16}).runs.size(), 16u);
  EXPECT_NE(error_of([&] { parse_spec(small, "s.toml", SpecLimits{15}); })
                .find("the grid has 16 runs (data_fraction 4 x 4 seeds); the limit is 15"),
            std::string::npos);
  EXPECT_FALSE(error_of([&] { parse_spec(small, "s.toml", SpecLimits{0}); }).empty());
}

TEST(SpecLimits, AGridBeyondSixtyFourBitsIsRefusedWithoutOverflowing) {
  const std::string range = "{linspace = [0.01, 0.9, 100000]}";
  const std::string text = "[sweep]\nname = \"x\"\n[grid]\ngroup = [\"cyclic:5\"]\ndata_fraction = " +
                           range + "\nlr = " + range + "\nweight_decay = " + range +
                           "\ninit_scale = " + range + "\n";
  const std::string msg = error_of([&] { parse_spec(text, "x.toml"); });
  EXPECT_NE(msg.find("the grid has more than 9223372036854775807 runs (data_fraction 100000 x "
                     "lr 100000 x weight_decay 100000 x init_scale 100000 x 1 seed)"),
            std::string::npos)
      << msg;
}

TEST(SpecLimits, ResourcesOfTheWorstGridPoint) {
  const SweepSpec s = parse_spec(R"(
[sweep]
name = "mem"
[grid]
group = ["cyclic:13", "cyclic:97"]
width = [8, 4096]
data_fraction = [0.5]
[train]
precision = "f64"
)",
                                 "mem.toml");
  ASSERT_EQ(s.tasks.size(), 2u);
  EXPECT_EQ(s.tasks.at("cyclic:97").order, 97);
  core::RunConfig worst;
  worst.group = "cyclic:97";
  worst.train.width = 4096;
  worst.train.precision = core::Precision::kF64;
  core::ExecutionShape exec;
  exec.checkpoints = true;  // the spec's default: every 60 s
  const double need =
      core::estimate_resources(s.tasks.at("cyclic:97"), worst, exec).memory.peak;
  // Below the worst point's estimate: refused, naming it; above it (plus the other group's
  // GroupContext and the spec): accepted.
  const std::string msg = error_of([&] {
    check_spec_resources(s, 1, static_cast<std::uint64_t>(need * 0.9), "--max-memory");
  });
  EXPECT_NE(msg.find("mem.toml: the largest run, width 4096 on cyclic:97 (f64, adamw, "
                     "data_fraction 0.5), needs about " + core::format_bytes(need)),
            std::string::npos)
      << msg;
  EXPECT_NE(msg.find("the limit is " +
                     core::format_bytes(static_cast<double>(static_cast<std::uint64_t>(need * 0.9))) +
                     " (--max-memory; --max-memory to change)"),
            std::string::npos)
      << msg;
  EXPECT_TRUE(check_spec_resources(s, 1, static_cast<std::uint64_t>(need * 1.1)).empty());
  // Two ranks per run hold half the particles each: less per rank, and the check uses that.
  core::ExecutionShape two = exec;
  two.ranks = 2;
  const double need2 = core::estimate_resources(s.tasks.at("cyclic:97"), worst, two).memory.peak;
  EXPECT_LT(need2, need);
  EXPECT_TRUE(error_of([&] {
                check_spec_resources(s, 2, static_cast<std::uint64_t>(need2 * 1.1));
              }).empty());
  EXPECT_FALSE(error_of([&] {
                 check_spec_resources(s, 2, static_cast<std::uint64_t>(need2 * 0.9));
               }).empty());

  // A slow logged measurement is a warning, not a refusal.
  const SweepSpec slow = parse_spec(R"(
[sweep]
name = "slow"
seeds = 2
[grid]
group = ["cyclic:2048"]
width = [256]
data_fraction = [0.001]
)",
                                    "slow.toml");
  const auto warnings = check_spec_resources(slow, 1, UINT64_MAX);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("slow.toml: one logged measurement of width 256 on cyclic:2048"),
            std::string::npos)
      << warnings[0];
  EXPECT_NE(warnings[0].find("2 of the 2 runs"), std::string::npos) << warnings[0];
}

TEST(SpecLimits, MemorySizesAndTheMachineLimit) {
  EXPECT_EQ(parse_memory_size("1073741824", "--max-memory"), 1073741824u);
  EXPECT_EQ(parse_memory_size("512M", "--max-memory"), 512u << 20);
  EXPECT_EQ(parse_memory_size("4G", "--max-memory"), 4ull << 30);
  EXPECT_EQ(parse_memory_size("4gb", "--max-memory"), 4ull << 30);
  EXPECT_EQ(parse_memory_size("1.5GiB", "--max-memory"), 3ull << 29);
  EXPECT_EQ(parse_memory_size("2T", "--max-memory"), 2ull << 40);
  for (const char* bad : {"", "0", "-1G", "4X", "G", "1.5", "1.", " 4G", "4 G", "4GG", "1e9"}) {
    const std::string msg = error_of([&] { parse_memory_size(bad, "--max-memory"); });
    EXPECT_NE(msg.find("--max-memory \"" + std::string(bad) + "\": expected a size > 0"),
              std::string::npos)
        << bad << ": " << msg;
  }
  EXPECT_EQ(mem_available("MemTotal:       24683652 kB\nMemFree: 1 kB\n"
                          "MemAvailable:   21449548 kB\nBuffers: 5 kB\n"),
            21449548ull * 1024);
  EXPECT_FALSE(mem_available("MemTotal: 5 kB\n").has_value());
  const MemoryLimit flag = memory_limit("3G");
  EXPECT_EQ(flag.bytes, 3ull << 30);
  EXPECT_EQ(flag.source, "--max-memory");
  const MemoryLimit machine = memory_limit("");
  EXPECT_GT(machine.bytes, 0u);
  EXPECT_FALSE(machine.source.empty());
  EXPECT_EQ(memory_limit_bytes("3G"), 3ull << 30);
}

TEST(SpecLimits, TrainResourcesRefuseWithTheEstimateAndWarnOfSlowMeasurements) {
  core::RunConfig c;
  c.group = "cyclic:13";
  c.train.width = core::TrainConfig::kMaxWidth;
  const core::TaskShape z13{13, core::MpKind::kCharacters};
  const std::string msg = error_of([&] {
    check_train_resources(c, z13, 1, 1, false, MemoryLimit{1ull << 30, "MemAvailable"});
  });
  EXPECT_NE(msg.find("train: width 16777216 on cyclic:13 needs about "), std::string::npos) << msg;
  EXPECT_NE(msg.find("activations "), std::string::npos) << msg;
  EXPECT_NE(msg.find("; the limit is 1 GiB (MemAvailable; --max-memory to change)"),
            std::string::npos)
      << msg;
  c.train.width = 64;
  EXPECT_TRUE(check_train_resources(c, z13, 1, 1, false, MemoryLimit{1ull << 30, ""}).empty());
  c.group = "cyclic:4096";
  c.data_fraction = 0.0001;
  const auto w = check_train_resources(c, core::TaskShape{4096, core::MpKind::kCharacters}, 1, 1,
                                       false, MemoryLimit{UINT64_MAX, ""});
  ASSERT_EQ(w.size(), 1u);
  EXPECT_NE(w[0].find("one logged measurement of width 64 on cyclic:4096 takes about"),
            std::string::npos)
      << w[0];
}

}  // namespace
}  // namespace symsweep::sweeps
