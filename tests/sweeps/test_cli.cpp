// The command line as users run it: the real binary, its exit codes, stderr and stdout.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "tests/core/test_util.hpp"

namespace {

struct Result {
  int code = -1;
  std::string out, err;
};

/// Runs `args` through a shell with the symsweep binary in front; captures both streams.
Result run(const std::string& args, const std::string& prefix = "") {
  const auto dir = std::filesystem::temp_directory_path();
  const std::string err_path = (dir / ("symsweep_cli_err_" + std::to_string(::getpid()))).string();
  const std::string cmd = prefix + " " SYMSWEEP_BIN " " + args + " 2>" + err_path;
  Result r;
  FILE* p = popen(cmd.c_str(), "r");
  std::array<char, 4096> buf{};
  std::size_t n = 0;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  const int status = pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  FILE* e = fopen(err_path.c_str(), "r");
  while ((n = fread(buf.data(), 1, buf.size(), e)) > 0) r.err.append(buf.data(), n);
  fclose(e);
  std::filesystem::remove(err_path);
  return r;
}

struct BadFlags {
  const char* what;
  const char* args;
  const char* message;  ///< must appear on stderr
};

class BadInput : public ::testing::TestWithParam<BadFlags> {};

TEST_P(BadInput, ExitsWithCodeTwoAndNamesTheValue) {
  const Result r = run(GetParam().args);
  EXPECT_EQ(r.code, 2) << GetParam().args << "\n" << r.err;
  EXPECT_NE(r.err.find(GetParam().message), std::string::npos) << r.err;
  // One line on stderr, nothing on stdout.
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
}

INSTANTIATE_TEST_SUITE_P(
    Table, BadInput,
    ::testing::Values(
        BadFlags{"width not a number", "train --width abc", "--width"},
        BadFlags{"width zero", "train --width 0", "width 0"},
        BadFlags{"width negative", "train --width -5", "width -5"},
        BadFlags{"fraction zero", "train --data-fraction 0", "(0, 1]"},
        BadFlags{"fraction above one", "train --data-fraction 1.5", "1.5"},
        BadFlags{"fraction not a number", "train --data-fraction half", "--data-fraction"},
        BadFlags{"group order zero", "train --group cyclic:0", "cyclic:0"},
        BadFlags{"dihedral not a number", "train --group dihedral:x", "dihedral:x"},
        BadFlags{"unknown family", "train --group klein:4", "klein"},
        BadFlags{"product malformed", "train --group product:2x", "product:2x"},
        BadFlags{"symmetric too large", "train --group symmetric:9", "symmetric:9"},
        BadFlags{"missing table", "train --group table:/nonexistent/t.txt", "/nonexistent/t.txt"},
        BadFlags{"no subgroup of that order", "train --group cyclic:12 --augment order:7",
                 "order:7"},
        BadFlags{"malformed augment", "train --augment half", "half"},
        BadFlags{"generator out of range", "train --group cyclic:5 --augment generated:9",
                 "generated:9"},
        BadFlags{"unknown optimizer", "train --optimizer sgd", "sgd"},
        BadFlags{"unknown precision", "train --precision f16", "f16"},
        BadFlags{"negative lr", "train --lr -1", "lr"},
        BadFlags{"negative steps", "train --steps -3", "steps -3"},
        BadFlags{"zero init scale", "train --init-scale 0", "init scale"},
        BadFlags{"negative weight decay", "train --weight-decay -0.5", "weight decay"},
        BadFlags{"unknown flag", "train --bogus 3", "--bogus"},
        BadFlags{"unknown command", "frobnicate", "frobnicate"},
        BadFlags{"no command", "", "subcommand"},
        BadFlags{"particles into a missing directory",
                 "train --steps 1 --save-particles /nonexistent/dir/z.npy", "/nonexistent/dir"},
        BadFlags{"run without db", "run spec.toml", "--db"},
        BadFlags{"run with a missing spec", "run /nonexistent/s.toml --db x.db",
                 "/nonexistent/s.toml"}),
    [](const auto& info) { return symsweep::test::param_name(info.param.what); });

TEST(Train, JsonCarriesTheConfigAndTheFinalMetrics) {
  const Result r = run("train --group cyclic:7 --width 32 --steps 50 --log-every 10 --json");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  for (const char* key : {"train_loss", "test_loss", "train_acc", "test_acc", "full_loss",
                          "rho_kkk", "max_offtarget_mp", "binary_gap", "effective_dim",
                          "conservation_drift", "steps", "wall_seconds"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  EXPECT_EQ(j["config"]["group"], "cyclic:7");
  EXPECT_EQ(j["steps"], 50);
  EXPECT_EQ(j["rho_kkk"].size(), 6u);
  EXPECT_EQ(j["rho_kkk"][0].size(), 2u);
  EXPECT_FALSE(j["test_acc"].is_null());
  // Progress went to stderr, not stdout.
  EXPECT_NE(r.err.find("train cyclic:7"), std::string::npos);
}

TEST(Train, NullsWhereAValueDoesNotExist) {
  const Result full = run("train --group cyclic:5 --width 8 --steps 5 --data-fraction 1 --json");
  ASSERT_EQ(full.code, 0) << full.err;
  const auto j = nlohmann::json::parse(full.out);
  EXPECT_TRUE(j["test_acc"].is_null());
  EXPECT_TRUE(j["test_loss"].is_null());
  EXPECT_FALSE(j["train_acc"].is_null());
  const Result s3 = run("train --group symmetric:3 --width 8 --steps 5 --json");
  ASSERT_EQ(s3.code, 0) << s3.err;
  const auto js3 = nlohmann::json::parse(s3.out);
  EXPECT_TRUE(js3["rho_kkk"].is_null());
  EXPECT_EQ(js3["irreps"].size(), 2u);
  EXPECT_FALSE(js3["binary_gap"].is_null());
  const Result big = run("train --group dihedral:200 --width 8 --steps 2 --json");
  ASSERT_EQ(big.code, 0) << big.err;
  EXPECT_TRUE(nlohmann::json::parse(big.out)["binary_gap"].is_null());
}

// The saved particles are a NumPy file from which numpy alone recomputes the reported loss.
TEST(Train, SavedParticlesReproduceTheLossInNumpy) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("symsweep_cli_z_" + std::to_string(::getpid()) + ".npy");
  const Result r = run("train --group product:2x3 --width 20 --steps 30 --precision f64 --json "
                       "--save-particles " + path.string());
  ASSERT_EQ(r.code, 0) << r.err;
  const double full_loss = nlohmann::json::parse(r.out)["full_loss"];
  const std::string py =
      "import numpy as np, sys\n"
      "z = np.load(sys.argv[1]); n = 6; q = z.shape[0]\n"
      "assert z.shape == (20, 18) and z.dtype == np.float64, z.shape\n"
      "a, b, c = z[:, :n], z[:, n:2*n], z[:, 2*n:]\n"
      "mul = lambda x, y: ((x // 3 + y // 3) % 2) * 3 + (x % 3 + y % 3) % 3\n"
      "P = np.eye(n) - 1.0 / n; tot = 0.0\n"
      "for x in range(n):\n"
      "  for y in range(n):\n"
      "    o = (c * ((a[:, x] + b[:, y]) ** 2)[:, None]).sum(0) / q\n"
      "    tot += np.sum((P @ (o / (2 * n) - np.eye(n)[mul(x, y)])) ** 2)\n"
      "print(repr(tot / n ** 2))\n";
  const std::string script = path.string() + ".py";
  FILE* f = fopen(script.c_str(), "w");
  fputs(py.c_str(), f);
  fclose(f);
  FILE* p = popen(("/usr/bin/python3 " + script + " " + path.string()).c_str(), "r");
  char buf[128] = {};
  ASSERT_NE(fgets(buf, sizeof(buf), p), nullptr);
  EXPECT_EQ(pclose(p), 0);
  EXPECT_NEAR(std::stod(buf), full_loss, 1e-10 * full_loss);
  std::filesystem::remove(path);
  std::filesystem::remove(script);
}

// `train` under mpirun shards the particles: same result as one process, same saved particles.
TEST(Train, ShardedUnderMpirunEqualsOneProcess) {
  const auto dir = std::filesystem::temp_directory_path();
  const std::string z1 = (dir / ("symsweep_np1_" + std::to_string(::getpid()) + ".npy")).string();
  const std::string z3 = (dir / ("symsweep_np3_" + std::to_string(::getpid()) + ".npy")).string();
  const std::string args = "train --group cyclic:11 --width 50 --steps 40 --precision f64 --json "
                           "--save-particles ";
  const Result one = run(args + z1);
  const Result three = run(args + z3, SYMSWEEP_MPIEXEC " -np 3 --oversubscribe");
  ASSERT_EQ(one.code, 0) << one.err;
  ASSERT_EQ(three.code, 0) << three.err;
  const auto j1 = nlohmann::json::parse(one.out), j3 = nlohmann::json::parse(three.out);
  EXPECT_EQ(j3["config"]["ranks"], 3);
  const double l1 = j1["train_loss"], l3 = j3["train_loss"];
  EXPECT_NEAR(l3, l1, 1e-9 * l1);
  EXPECT_EQ(j1["test_acc"], j3["test_acc"]);
  FILE* p = popen(("/usr/bin/python3 -c \"import numpy as np, sys; a = np.load(sys.argv[1]); "
                   "b = np.load(sys.argv[2]); print(np.abs(a - b).max() / np.abs(a).max())\" " +
                   z1 + " " + z3).c_str(), "r");
  char buf[128] = {};
  ASSERT_NE(fgets(buf, sizeof(buf), p), nullptr);
  pclose(p);
  EXPECT_LT(std::stod(buf), 1e-9);
  std::filesystem::remove(z1);
  std::filesystem::remove(z3);
}

}  // namespace

namespace {

TEST(Irreps, JsonCarriesDimensionsIndicatorsAndTheCayleyTable) {
  const Result r = run("irreps --group quaternion --json");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  std::vector<int> dims, indicators;
  for (const auto& irrep : j["irreps"]) {
    dims.push_back(irrep["dim"]);
    indicators.push_back(irrep["indicator"]);
  }
  EXPECT_EQ(dims, (std::vector<int>{1, 1, 1, 1, 2}));
  EXPECT_EQ(indicators.back(), -1);  // Q_8's 2-dim irrep is quaternionic
  ASSERT_EQ(j["cayley_table"].size(), 8u);
  EXPECT_EQ(j["elements"].size(), 8u);
  EXPECT_EQ(j["classes"].size(), 5u);
  // Row orthogonality of the characters, computed here from the JSON alone.
  const auto& classes = j["classes"];
  for (std::size_t a = 0; a < 5; ++a) {
    for (std::size_t b = 0; b < 5; ++b) {
      double dot = 0.0;
      for (std::size_t c = 0; c < 5; ++c) {
        const auto& x = j["irreps"][a]["character"][c];
        const auto& y = j["irreps"][b]["character"][c];
        dot += classes[c].size() * (x[0].get<double>() * y[0].get<double>() +
                                    x[1].get<double>() * y[1].get<double>());
      }
      EXPECT_NEAR(dot / 8.0, a == b ? 1.0 : 0.0, 1e-10);
    }
  }
  const Result bad = run("irreps --group dihedral:x");
  EXPECT_EQ(bad.code, 2);
}

}  // namespace
