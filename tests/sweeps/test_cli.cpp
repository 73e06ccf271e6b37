// The command line as users run it: the real binary, its exit codes, stderr and stdout.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "symsweep/core/group.hpp"
#include "symsweep/core/isa.hpp"
#include "symsweep/core/resources.hpp"
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
        BadFlags{"unknown optimizer", "train --optimizer lbfgs", "lbfgs"},
        BadFlags{"unknown precision", "train --precision f16", "f16"},
        BadFlags{"negative lr", "train --lr -1", "lr"},
        BadFlags{"negative steps", "train --steps -3", "steps -3"},
        // Integers are parsed strictly into their ranges (CLI11 alone wraps -1 into 2^64 - 1).
        BadFlags{"seed minus one", "train --seed -1",
                 "--seed -1: expected an integer in 0..9223372036854775807"},
        BadFlags{"seed 2^64", "train --seed 18446744073709551616",
                 "--seed 18446744073709551616: expected an integer in 0..9223372036854775807"},
        BadFlags{"seed 2^63", "train --seed 9223372036854775808", "--seed 9223372036854775808"},
        BadFlags{"seed a fraction", "train --seed 1.5", "--seed \"1.5\": expected an integer"},
        BadFlags{"steps minus five", "train --steps -5",
                 "--steps -5: expected an integer in 0..9223372036854775807"},
        BadFlags{"steps beyond 64 bits", "train --steps 99999999999999999999",
                 "--steps 99999999999999999999: expected an integer in 0..9223372036854775807"},
        BadFlags{"width beyond the maximum", "train --width 16777217",
                 "--width 16777217: expected an integer in 1..16777216"},
        BadFlags{"width in scientific notation", "train --width 1e3", "--width \"1e3\""},
        BadFlags{"log every negative", "train --log-every -1", "--log-every -1"},
        BadFlags{"max memory malformed", "train --max-memory 4X",
                 "--max-memory \"4X\": expected a size > 0 such as 512M, 4G, 1.5GiB"},
        BadFlags{"max memory zero", "train --max-memory 0", "--max-memory \"0\""},
        BadFlags{"group far too large", "train --group cyclic:1000000",
                 "order 1000000 exceeds the maximum 4096 (group orders are capped at 4096; its "
                 "Cayley table and pair list alone would need about 14.6 TiB)"},
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
                          "drift_q", "conservation_drift", "steps", "wall_seconds"}) {
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
  // D_1025 (2050 elements) is beyond GroupContext::kMaxIrrepOrder: null metrics, and the note
  // (stderr and JSON) names the order and what Dixon's method would cost.
  const Result big =
      run("train --group dihedral:1025 --width 4 --steps 1 --data-fraction 0.001 --json");
  ASSERT_EQ(big.code, 0) << big.err;
  const auto jb = nlohmann::json::parse(big.out);
  EXPECT_TRUE(jb["binary_gap"].is_null());
  EXPECT_TRUE(jb["irreps"].is_null());
  ASSERT_TRUE(jb["potentials_note"].is_string()) << big.out;
  EXPECT_NE(jb["potentials_note"].get<std::string>().find("2050 elements, more than 2048"),
            std::string::npos);
  EXPECT_NE(big.err.find("symsweep: note: no irrep metrics"), std::string::npos) << big.err;
}

// A logged step whose full MP set would cost more than ten training steps (Z_23 at f = 0.05:
// about 27) measures rho_kkk only and says so, on stderr and in the JSON; --potentials full
// measures everything; a sweep records the note and the setting in `runs`.
TEST(Train, ExpensivePotentialsAreSkippedWithANoteUnlessAskedFor) {
  const std::string base = "train --group cyclic:23 --width 32 --steps 4 --data-fraction 0.05 ";
  const Result a = run(base + "--json");
  ASSERT_EQ(a.code, 0) << a.err;
  const auto ja = nlohmann::json::parse(a.out);
  EXPECT_TRUE(ja["binary_gap"].is_null());
  EXPECT_TRUE(ja["max_offtarget_mp"].is_null());
  EXPECT_EQ(ja["rho_kkk"].size(), 22u);
  EXPECT_EQ(ja["config"]["potentials"], "auto");
  ASSERT_TRUE(ja["potentials_note"].is_string());
  EXPECT_NE(ja["potentials_note"].get<std::string>().find("about 27 training steps"),
            std::string::npos);
  EXPECT_NE(a.err.find("symsweep: note: logged steps measure rho_kkk only"), std::string::npos)
      << a.err;
  const Result f = run(base + "--potentials full --json");
  ASSERT_EQ(f.code, 0) << f.err;
  const auto jf = nlohmann::json::parse(f.out);
  EXPECT_FALSE(jf["binary_gap"].is_null());
  EXPECT_TRUE(jf["potentials_note"].is_null());
  ASSERT_EQ(jf["rho_kkk"].size(), ja["rho_kkk"].size());
  for (std::size_t k = 0; k < ja["rho_kkk"].size(); ++k) {  // the same training; rho_kkk alike
    for (int part = 0; part < 2; ++part) {
      EXPECT_NEAR(jf["rho_kkk"][k][part].get<double>(), ja["rho_kkk"][k][part].get<double>(),
                  1e-12);
    }
  }
  EXPECT_EQ(jf["train_loss"], ja["train_loss"]);
  EXPECT_EQ(run(base + "--potentials some").code, 2);

  const auto dir = std::filesystem::temp_directory_path() /
                   ("symsweep_cli_potentials_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto spec = dir / "p.toml";
  std::ofstream(spec) << "[sweep]\nname = \"p\"\n[grid]\ngroup = [\"cyclic:23\"]\n"
                         "data_fraction = [0.05, 0.5]\n[train]\nwidth = 16\nsteps = 3\n";
  const auto db = dir / "p.db";
  const Result r = run("run " + spec.string() + " --db " + db.string());
  ASSERT_EQ(r.code, 0) << r.err;
  const Result q = run("sql --db " + db.string() +
                       " --format csv \"SELECT data_fraction, potentials, potentials_note IS NULL, "
                       "binary_gap IS NULL FROM runs ORDER BY data_fraction\"");
  ASSERT_EQ(q.code, 0) << q.err;
  EXPECT_NE(q.out.find("0.05,auto,0,1"), std::string::npos) << q.out;
  EXPECT_NE(q.out.find("0.5,auto,1,0"), std::string::npos) << q.out;
  std::filesystem::remove_all(dir);
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

namespace {

/// A temporary directory, removed with its contents.
class TempDir {
 public:
  explicit TempDir(const std::string& name)
      : path_(std::filesystem::temp_directory_path() / (name + "_" + std::to_string(::getpid()))) {
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

/// One line on stderr, nothing on stdout, and the exit code.
void expect_refusal(const Result& r, int code, const std::string& args) {
  EXPECT_EQ(r.code, code) << args << "\n" << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << args << "\n" << r.err;
  EXPECT_TRUE(r.out.empty()) << args << "\n" << r.out;
}

// A network that cannot fit is refused before anything is allocated, with the estimate.
TEST(Resources, TrainRefusesANetworkThatCannotFitBeforeAllocating) {
  struct Case {
    const char* args;
    const char* message;
  };
  for (const Case& c : {
           // 45 GiB by the estimate: refused under an 8 GiB limit whatever the machine.
           Case{"train --group cyclic:13 --width 16777216 --max-memory 8G",
                "train: width 16777216 on cyclic:13 needs about "},
           // The largest group order with the default width: |T| = 8.4 M pairs, processed in
           // chunks (about 2 GiB in all, most of it the measurement's), refused under 1 GiB.
           Case{"train --group cyclic:4096 --max-memory 1G",
                "train: width 512 on cyclic:4096 needs about "},
           // Terabytes: refused by the default limit (MemAvailable) on any machine.
           Case{"train --group cyclic:4096 --width 16777216 --data-fraction 1",
                "train: width 16777216 on cyclic:4096 needs about "},
       }) {
    const auto start = std::chrono::steady_clock::now();
    const Result r = run(c.args);
    const double seconds = seconds_since(start);
    expect_refusal(r, 2, c.args);
    EXPECT_NE(r.err.find(c.message), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(" per rank ("), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("particles "), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("; the limit is "), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("--max-memory to change)"), std::string::npos) << r.err;
    EXPECT_LT(seconds, 2.0) << c.args;  // loose: nothing of the network is built
  }
  // The limit is what --max-memory says: Z_23 at q = 512 needs a few MiB.
  const Result small = run("train --group cyclic:23 --width 512 --steps 2 --max-memory 1M");
  expect_refusal(small, 2, "--max-memory 1M");
  EXPECT_NE(small.err.find("the limit is 1 MiB (--max-memory; --max-memory to change)"),
            std::string::npos)
      << small.err;
  const Result fits =
      run("train --group cyclic:23 --width 512 --steps 2 --max-memory 1.5GiB --json");
  EXPECT_EQ(fits.code, 0) << fits.err;
}

// A grid of 10^7 runs is refused by `run --check` from its axis lengths, before expanding it.
TEST(Resources, RunCheckRefusesATenMillionRunGrid) {
  const TempDir dir("symsweep_cli_grid");
  std::string widths;
  for (int w = 1; w <= 100; ++w) widths += (w > 1 ? ", " : "") + std::to_string(w);
  std::string groups;
  for (int n = 2; n <= 11; ++n) {
    groups += (n > 2 ? ", " : "") + ("\"cyclic:" + std::to_string(n)) + "\"";
  }
  const std::string spec = dir / "huge.toml";
  std::ofstream(spec) << "[sweep]\nname = \"huge\"\nseeds = 10\n[grid]\ngroup = [" << groups
                      << "]\nwidth = [" << widths
                      << "]\ndata_fraction = {linspace = [0.01, 1.0, 100]}\n"
                         "lr = {logspace = [1e-4, 1e-1, 10]}\n";
  const auto start = std::chrono::steady_clock::now();
  const Result r = run("run " + spec + " --check");
  const double seconds = seconds_since(start);
  expect_refusal(r, 2, "run --check");
  EXPECT_NE(r.err.find(spec + ": [grid]: the grid has 10000000 runs (group 10 x width 100 x "
                              "data_fraction 100 x lr 10 x 10 seeds); the limit is 100000 "
                              "(--max-runs to change)"),
            std::string::npos)
      << r.err;
  EXPECT_LT(seconds, 2.0);  // loose: MPI start-up included
}

// Peak RSS of the real binary (ru_maxrss of the child, in KiB).
long peak_rss_kib(const std::string& args) {
  std::vector<std::string> words;
  std::istringstream in(args);
  for (std::string w; in >> w;) words.push_back(w);
  std::vector<char*> argv;
  std::string bin = SYMSWEEP_BIN;
  argv.push_back(bin.data());
  for (std::string& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    const int null = open("/dev/null", O_WRONLY);
    dup2(null, 1);
    dup2(null, 2);
    execv(bin.c_str(), argv.data());
    _exit(127);
  }
  int status = 0;
  rusage usage{};
  wait4(pid, &status, 0, &usage);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << args;
  return usage.ru_maxrss;
}

// The memory estimate against the peak RSS of real trainings: within a factor 2 of the growth
// over a minimal run, for the three regimes (training buffers, a measurement with characters,
// a measurement with irreps).
TEST(Resources, TheMemoryEstimateIsWithinAFactorTwoOfThePeakRss) {
  using symsweep::core::estimate_resources;
  const long base = peak_rss_kib("train --group cyclic:5 --width 1 --steps 1 --json");
  struct Case {
    const char* group;
    std::int64_t width;
    double fraction;
    bool f64;
  };
  for (const Case& c : {Case{"cyclic:97", 1024, 1.0, true}, Case{"cyclic:13", 65536, 0.5, false},
                        Case{"symmetric:5", 4096, 0.05, false}}) {
    symsweep::core::RunConfig cfg;
    cfg.group = c.group;
    cfg.train.width = c.width;
    cfg.data_fraction = c.fraction;
    cfg.train.precision = c.f64 ? symsweep::core::Precision::kF64 : symsweep::core::Precision::kF32;
    cfg.train.steps = 1;
    cfg.train.log_every = 0;
    const auto shape = symsweep::core::task_shape(symsweep::core::make_group(c.group));
    const double estimate = estimate_resources(shape, cfg).memory.peak;
    std::ostringstream fraction;
    fraction << c.fraction;
    const std::string args = std::string("train --group ") + c.group + " --width " +
                             std::to_string(c.width) + " --data-fraction " + fraction.str() +
                             " --precision " + (c.f64 ? "f64" : "f32") +
                             " --steps 1 --log-every 0 --json";
    const double growth = 1024.0 * static_cast<double>(peak_rss_kib(args) - base);
    const double ratio = estimate / growth;
    std::printf("%s: estimate %.1f MiB, measured growth %.1f MiB (baseline %.1f MiB): %.2f\n",
                args.c_str(), estimate / 1048576.0, growth / 1048576.0, base / 1024.0, ratio);
    EXPECT_GT(growth, 32.0 * 1048576.0) << args;  // the case is large enough to measure
    EXPECT_GT(ratio, 0.5) << args;
    EXPECT_LT(ratio, 2.0) << args;
  }
}

// Every command that reads an existing results database: a missing file, a directory, a file
// that is not SQLite and an SQLite file of someone else exit 3 with one line naming the file,
// and create nothing.
TEST(Databases, UnusableDatabasesExitThreeAndNothingIsCreated) {
  const TempDir dir("symsweep_cli_db");
  const std::string text = dir / "notes.txt";
  std::ofstream(text) << "just some text, long enough to be mistaken for nothing in particular\n";
  const std::string foreign = dir / "foreign.db";
  ASSERT_EQ(std::system(("/usr/bin/python3 -c \"import sqlite3; c = sqlite3.connect('" + foreign +
                         "'); c.execute('CREATE TABLE t (x)'); c.commit()\"")
                            .c_str()),
            0);
  const std::string folder = dir / "folder.db";
  std::filesystem::create_directories(folder);
  const std::string spec = dir / "s.toml";
  std::ofstream(spec) << "[sweep]\nname = \"s\"\n[grid]\ngroup = [\"cyclic:5\"]\n"
                         "data_fraction = [0.5]\n[train]\nsteps = 1\nwidth = 4\n";
  struct Bad {
    std::string file, why;
  };
  const std::vector<Bad> bad = {{dir / "missing.db", "no such file"},
                                {folder, "is a directory"},
                                {text, "not an SQLite database"},
                                {foreign, "not a symsweep results database"}};
  // Each command with the file in place of "@".
  const std::vector<std::string> commands = {"status --db @",
                                             "runs --db @",
                                             "show --db @ 1",
                                             "export --db @ --table runs",
                                             "sql --db @ \"SELECT 1\"",
                                             "fit --db @",
                                             "report --db @ --out " + (dir / "report"),
                                             "merge " + (dir / "out.db") + " @"};
  for (const Bad& b : bad) {
    for (const std::string& command : commands) {
      std::string args = command;
      args.replace(args.find('@'), 1, b.file);
      const Result r = run(args);
      expect_refusal(r, 3, args);
      EXPECT_NE(r.err.find("\"" + b.file + "\": " + b.why), std::string::npos) << args << "\n"
                                                                               << r.err;
    }
    // `run` creates a missing database, but refuses one it cannot use.
    if (b.why != "no such file") {
      const std::string args = "run " + spec + " --db " + b.file;
      const Result r = run(args);
      EXPECT_EQ(r.code, 3) << args << "\n" << r.err;
    }
  }
  EXPECT_FALSE(std::filesystem::exists(dir / "missing.db"));
  EXPECT_FALSE(std::filesystem::exists(dir / "out.db"));
  EXPECT_FALSE(std::filesystem::exists(dir / "report"));
  // Nothing else appeared (SQLite's readers may leave -wal / -shm beside foreign.db only).
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) {
    const std::string name = e.path().filename().string();
    EXPECT_TRUE(name == "notes.txt" || name == "s.toml" || name == "folder.db" ||
                name.starts_with("foreign.db"))
        << name;
  }
}

// merge validates every input before it writes: a bad second input leaves no OUT.
TEST(Databases, MergeWithABadSecondInputLeavesNoOutput) {
  const TempDir dir("symsweep_cli_merge");
  const std::string good = dir / "good.db";
  ASSERT_EQ(std::system(("/usr/bin/python3 -c \"import sqlite3; c = sqlite3.connect('" + good +
                         "'); [c.execute(s) for s in ('CREATE TABLE schema_version (version)', "
                         "'INSERT INTO schema_version VALUES (1)', 'CREATE TABLE runs (id)', "
                         "'CREATE TABLE sweeps (id)', 'CREATE TABLE sweep_runs (sweep_id)')]; "
                         "c.commit()\"")
                            .c_str()),
            0);
  const std::string text = dir / "notes.txt";
  std::ofstream(text) << "not a database\n";
  const std::string out = dir / "out.db";
  for (const std::string& second : {text, dir / "missing.db"}) {
    const Result r = run("merge " + out + " " + good + " " + second);
    expect_refusal(r, 3, second);
    EXPECT_NE(r.err.find("merge: IN \"" + second + "\""), std::string::npos) << r.err;
    EXPECT_FALSE(std::filesystem::exists(out));
  }
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) {
    EXPECT_FALSE(e.path().filename().string().find("out.db") != std::string::npos) << e.path();
  }
}


// fit never creates a database: a mistyped --db is refused with the file named, exit 3 like
// every command that reads (README, exit codes: "missing (commands that read)"), and nothing
// appears: no database, no -wal/-shm, no --out-dir.
TEST(Databases, FitOnAMissingFileNamesItAndCreatesNothing) {
  const TempDir dir("symsweep_cli_fit_typo");
  const std::string typo = dir / "typo.db";
  for (const std::string& extra :
       {std::string(), std::string(" --format json --count augmented --eps 0.5"),
        " --format csv --out-dir " + (dir / "out"), std::string(" --sweep s --bootstrap 10")}) {
    const std::string args = "fit --db " + typo + extra;
    const Result r = run(args);
    expect_refusal(r, 3, args);
    EXPECT_NE(r.err.find("fit: --db \"" + typo + "\": no such file"), std::string::npos)
        << args << "\n"
        << r.err;
  }
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
  // A bad flag is a usage error (2), also before the file is looked at.
  const Result bad = run("fit --db " + typo + " --count distinct");
  expect_refusal(bad, 2, "--count distinct");
  EXPECT_NE(bad.err.find("--count \"distinct\""), std::string::npos) << bad.err;
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

/// `symsweep sql --format json` rows of `query` on `db`.
nlohmann::json sql_rows(const std::string& db, const std::string& query) {
  const Result r = run("sql --db " + db + " --format json \"" + query + "\"");
  EXPECT_EQ(r.code, 0) << query << "\n" << r.err;
  return nlohmann::json::parse(r.out);
}

// A real sweep with and without augmentation: `fit --count augmented` stores N* = f* n^2 times
// the runs' recorded growth train_pairs / sampled_pairs (mean over seeds per fraction,
// linear in log f between the fractions around f*); without augmentation both counts agree.
TEST(Fit, TheAugmentedCountOfARealSweepIsTheSampledTimesTheRecordedGrowth) {
  const TempDir dir("symsweep_cli_fit_count");
  const std::string spec = dir / "s.toml";
  const std::string db = dir / "s.db";
  std::ofstream(spec) << "[sweep]\nname = \"s\"\nseeds = 2\n[grid]\ngroup = [\"cyclic:8\"]\n"
                         "augment = [\"none\", \"order:2\", \"order:4\"]\n"
                         "data_fraction = [0.1, 0.2, 0.35, 0.5, 0.7, 0.9]\n[train]\n"
                         "width = 64\nsteps = 300\nlr = 0.01\nlog_every = 0\n";
  const Result ran = run("run " + spec + " --db " + db);
  ASSERT_EQ(ran.code, 0) << ran.err;
  const std::string eps = " --eps 0.9,0.7,0.5,0.3,0.1 --bootstrap 50";
  const Result sampled = run("fit --db " + db + eps + " --format json");
  ASSERT_EQ(sampled.code, 0) << sampled.err;
  const Result augmented = run("fit --db " + db + eps + " --format json --count augmented");
  ASSERT_EQ(augmented.code, 0) << augmented.err;
  const nlohmann::json s = nlohmann::json::parse(sampled.out);
  const nlohmann::json a = nlohmann::json::parse(augmented.out);
  ASSERT_EQ(s["critical_fractions"].size(), a["critical_fractions"].size());
  int uncensored = 0, grown = 0;
  for (std::size_t i = 0; i < a["critical_fractions"].size(); ++i) {
    const nlohmann::json& ra = a["critical_fractions"][i];
    const nlohmann::json& rs = s["critical_fractions"][i];
    ASSERT_EQ(ra["augment"], rs["augment"]);
    ASSERT_EQ(ra["eps"], rs["eps"]);
    EXPECT_EQ(ra["count"], "augmented");
    EXPECT_EQ(rs["count"], "sampled");
    EXPECT_EQ(ra["f_star"], rs["f_star"]);  // one f*, two counts
    if (ra["f_star"].is_null()) continue;
    ++uncensored;
    const double fstar = ra["f_star"];
    const nlohmann::json growth = sql_rows(
        db, "SELECT data_fraction AS f, avg(CAST(train_pairs AS REAL) / sampled_pairs) AS r "
            "FROM runs WHERE augment = '" + ra["augment"].get<std::string>() +
                "' AND status = 'done' GROUP BY data_fraction ORDER BY data_fraction");
    std::vector<double> fs, rs_;
    for (const auto& g : growth) {
      fs.push_back(g["f"]);
      rs_.push_back(g["r"]);
    }
    ASSERT_EQ(fs.size(), 6u);
    double ratio = rs_.front();
    if (fstar >= fs.back()) ratio = rs_.back();
    for (std::size_t k = 0; k + 1 < fs.size(); ++k) {
      if (fs[k] <= fstar && fstar <= fs[k + 1]) {
        const double t = std::log(fstar / fs[k]) / std::log(fs[k + 1] / fs[k]);
        ratio = rs_[k] + t * (rs_[k + 1] - rs_[k]);
        break;
      }
    }
    const double n_sampled = rs["N_star"];
    const double n_augmented = ra["N_star"];
    EXPECT_NEAR(n_sampled, fstar * 64.0, 1e-9 * n_sampled);
    EXPECT_NEAR(n_augmented, n_sampled * ratio, 1e-9 * n_augmented) << ra.dump();
    if (ra["augment"] == "none") {
      EXPECT_EQ(n_augmented, n_sampled) << ra.dump();
      EXPECT_EQ(ratio, 1.0);  // without augmentation the training set is the sampled pairs
    } else {
      EXPECT_GT(ratio, 1.0);
      EXPECT_LE(ratio, 4.0 + 1e-12);  // never more than |H| times the sampled pairs
      ++grown;
    }
  }
  EXPECT_GT(uncensored, 0);
  EXPECT_GT(grown, 0);
  // The stored rows of both counts are there side by side, with their settings.
  const nlohmann::json stored = sql_rows(
      db, "SELECT count_basis, count(*) AS n, min(bootstrap) AS b FROM critical_fractions "
          "GROUP BY count_basis ORDER BY count_basis");
  ASSERT_EQ(stored.size(), 2u);
  EXPECT_EQ(stored[0]["count_basis"], "augmented");
  EXPECT_EQ(stored[0]["n"], a["critical_fractions"].size());
  EXPECT_EQ(stored[0]["b"], 50);
  EXPECT_EQ(stored[1]["count_basis"], "sampled");
}

}  // namespace

namespace {

// core's kernels per instruction-set level (docs/kernels.md), as a user meets them.
std::string kernels_of(const Result& r) { return nlohmann::json::parse(r.out)["kernels"]; }

// SYMSWEEP_ISA=x86-64-v3 forces the AVX2 kernels (on an AVX-512 machine too): the run is the
// same within rounding, and says which kernels trained it.
TEST(Kernels, ForcingTheAvx2LevelGivesTheSameRunWithinRounding) {
  for (const char* precision : {"f64", "f32"}) {
    const std::string args = std::string("train --group cyclic:19 --width 48 --steps 60 "
                                         "--log-every 20 --json --precision ") + precision;
    const Result dflt = run(args);
    const Result avx2 = run(args, "SYMSWEEP_ISA=x86-64-v3");
    ASSERT_EQ(dflt.code, 0) << dflt.err;
    ASSERT_EQ(avx2.code, 0) << avx2.err;
    EXPECT_EQ(kernels_of(avx2), "x86-64-v3");
#ifdef SYMSWEEP_TEST_PORTABLE
    EXPECT_EQ(kernels_of(dflt), symsweep::core::cpu_runs_isa("x86-64-v4") ? "x86-64-v4"
                                                                          : "x86-64-v3");
#endif
    const auto a = nlohmann::json::parse(dflt.out), b = nlohmann::json::parse(avx2.out);
    const double tol = std::string(precision) == "f64" ? 1e-9 : 1e-3;
    for (const char* key : {"train_loss", "test_loss", "full_loss", "effective_dim"}) {
      const double x = a[key], y = b[key];
      EXPECT_LT(std::abs(x - y), tol * std::abs(x)) << precision << " " << key;
    }
    // The network moved in 60 steps: the comparison is not between two untouched initial
    // states.
    const Result start = run(std::string("train --group cyclic:19 --width 48 --steps 0 --json "
                                         "--precision ") + precision);
    ASSERT_EQ(start.code, 0) << start.err;
    EXPECT_LT(a["train_loss"].get<double>(),
              0.999 * nlohmann::json::parse(start.out)["train_loss"].get<double>());
  }
}

TEST(Kernels, AnImpossibleLevelIsAUsageErrorNamingIt) {
  const Result r = run("train --group cyclic:7 --width 8 --steps 2", "SYMSWEEP_ISA=x86-64-v9");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("SYMSWEEP_ISA=x86-64-v9: expected auto or one of this binary's levels ("),
            std::string::npos)
      << r.err;
  EXPECT_TRUE(r.out.empty());
  const Result v = run("--version", "SYMSWEEP_ISA=auto");
  EXPECT_EQ(v.code, 0);
  EXPECT_NE(v.out.find("kernels: "), std::string::npos) << v.out;
  EXPECT_NE(v.out.find("; this process runs "), std::string::npos) << v.out;
}

// A sweep records the kernels of each run in runs.kernels.
TEST(Kernels, ASweepRecordsTheKernelsOfEachRun) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("symsweep_cli_kernels_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto spec = dir / "k.toml";
  std::ofstream(spec) << "[sweep]\nname = \"k\"\n[grid]\ngroup = [\"cyclic:11\", \"dihedral:3\"]\n"
                         "data_fraction = [0.5]\n[train]\nwidth = 16\nsteps = 3\n";
  const auto db = dir / "k.db";
  const Result r = run("run " + spec.string() + " --db " + db.string(), "SYMSWEEP_ISA=x86-64-v3");
  ASSERT_EQ(r.code, 0) << r.err;
  const Result q = run("sql --db " + db.string() +
                       " --format csv \"SELECT count(*) FROM runs WHERE kernels = 'x86-64-v3'\"");
  ASSERT_EQ(q.code, 0) << q.err;
  EXPECT_NE(q.out.find("\n2"), std::string::npos) << q.out;
  std::filesystem::remove_all(dir);
}

#ifdef SYMSWEEP_TEST_PORTABLE
// The portable binary on a CPU without AVX-512: valgrind's virtual CPU has none (its CPUID
// reports AVX2 at most, and it stops with SIGILL at the first AVX-512 instruction). Training an
// abelian and a non-abelian group exercises every kernel and the generic code around them.
TEST(Kernels, ThePortableBinaryRunsWhereThereIsNoAvx512) {
  ASSERT_EQ(std::system("command -v valgrind >/dev/null"), 0)
      << "valgrind not found (deploy/install-deps.sh installs it)";
  for (const char* group : {"cyclic:7", "dihedral:3"}) {
    const Result r = run(std::string("train --group ") + group +
                             " --width 8 --steps 3 --log-every 0 --json",
                         "valgrind -q");
    ASSERT_EQ(r.code, 0) << group << "\n" << r.err;
    EXPECT_EQ(r.err.find("unhandled instruction"), std::string::npos) << r.err;
    EXPECT_EQ(kernels_of(r), "x86-64-v3") << group;
  }
}
#endif

}  // namespace
