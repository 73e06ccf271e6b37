#include <fmt/core.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "symsweep/core/error.hpp"
#include "symsweep/core/group.hpp"
#include "commands/fit_command.hpp"
#include "commands/report_command.hpp"
#include "report/data.hpp"
#include "spec/spec.hpp"
#include "store/fit_results.hpp"
#include "store/store.hpp"

namespace symsweep::sweeps {
namespace {

namespace fs = std::filesystem;

constexpr int kLogEvery = 100;
constexpr int kSteps = 3000;

/// The Theorem 2 rate of frequency k in the synthetic runs: rho_kkk(t) = 1 - exp(-C_k t).
double synthetic_c(int k) { return 0.5 * (1.0 + 0.05 * k); }
/// The same for irrep tau of the non-abelian sweep.
double irrep_c(int tau) { return 2.0 * tau; }

std::string read(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

/// A results database with three sweeps:
/// - "law": cyclic groups with a known threshold f*(n, |H|) = 3 n^1.3 / |H| / n^2 (a logistic
///   step of the final test accuracy in log f, as in test_fit.cpp), and a full log per run whose
///   rho_kkk follow 1 - exp(-C_k t) with t = lr * step;
/// - "nonabelian": a dihedral group; its seed-0 runs log per-irrep MPs rho_tau following
///   1 - exp(-2 tau t), its seed-1 runs none (as in a database from before per-irrep MPs);
/// - "two strata": two widths, without MPs or drift.
class ReportTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    db_ = (fs::temp_directory_path() / ("symsweep_report_" + std::to_string(::getpid()) + ".db"))
              .string();
    fs::remove(db_);
    ResultsStore store(db_, Database::Mode::kReadWrite);
    const SweepSpec law = parse_spec(R"(
[sweep]
name = "law"
seeds = 3
[grid]
group = ["cyclic:12", "cyclic:18", "cyclic:24", "cyclic:30"]
augment = ["none", "order:2", "order:3"]
data_fraction = {logspace = [0.02, 0.9, 10]}
[train]
lr = 3e-3
steps = 3000
log_every = 100
)",
                                     "law.toml");
    const std::int64_t law_id = store.upsert_sweep(law.name, law.text, law.hash);
    store.add_runs(law_id, law.runs);
    for (const auto& p : store.pending_runs(law_id)) {
      const core::Group g = core::make_group(p.config.group);
      const double n = g.order();
      const double h = core::make_subgroup(g, p.config.augment).size();
      const double fstar = 3.0 * std::pow(n, 1.3) / h / (n * n);
      const double jitter = 0.05 * (static_cast<double>(p.config.train.seed) - 1.0);
      const double x = (std::log(p.config.data_fraction) - std::log(fstar) - jitter) / 0.08;
      const double final_acc = 1.0 / (1.0 + std::exp(-x));
      core::RunOutcome o;
      for (int s = 0; s <= kSteps; s += kLogEvery) {
        core::StepMetrics m;
        m.step = s;
        const double t = p.config.train.lr * s;
        std::vector<std::complex<double>> rho;
        double gap = 0.0;
        for (int k = 1; k < static_cast<int>(n); ++k) {
          const double r = 1.0 - std::exp(-synthetic_c(k) * t);
          rho.emplace_back(r, 1e-3 * std::sin(k + t));
          gap = std::max(gap, 1.0 - r);
        }
        m.rho_kkk = rho;
        m.binary_gap = gap;
        m.max_offtarget_mp = 0.3 * std::exp(-t);
        m.train_loss = std::exp(-t);
        m.train_acc = std::min(1.0, 0.1 + t / 5.0);
        m.test_acc = final_acc * s / kSteps;
        m.effective_dim = 3.0 * n * (0.2 + 0.8 * std::exp(-t / 2.0));
        m.drift = {1e-7 * (s + 1), 1e-15 * (1 + s % 7), 2e-15};
        o.result.log.push_back(m);
      }
      store.mark_running(p.id);
      store.write_result(p.id, o, Provenance{});
    }

    const SweepSpec dih = parse_spec(R"(
[sweep]
name = "nonabelian"
seeds = 2
[grid]
group = ["dihedral:5"]
data_fraction = [0.3, 0.6]
[train]
steps = 200
log_every = 20
)",
                                     "nonabelian.toml");
    const std::int64_t dih_id = store.upsert_sweep(dih.name, dih.text, dih.hash);
    store.add_runs(dih_id, dih.runs);
    for (const auto& p : store.pending_runs(dih_id)) {
      core::RunOutcome o;
      for (int s = 0; s <= 200; s += 20) {
        core::StepMetrics m;
        m.step = s;
        m.test_acc = p.config.data_fraction;
        m.effective_dim = 20.0 - s / 20.0;
        m.drift = {1e-6 * (s + 1), 0.0, 0.0};
        if (p.config.train.seed == 0) {
          // D_5's nontrivial irreps: the sign (d = 1) and two of dimension 2, all real.
          const double t = p.config.train.lr * s;
          std::vector<core::IrrepValue> irreps;
          for (int tau = 1; tau <= 3; ++tau) {
            const double r = 1.0 - std::exp(-irrep_c(tau) * t);
            irreps.push_back({tau, tau == 1 ? 1 : 2, 1, r, 1.0 - r});
          }
          m.irreps = irreps;
          m.binary_gap = std::exp(-irrep_c(1) * t);
          m.off_target_energy = 0.5 * std::exp(-t);
        }
        o.result.log.push_back(m);
      }
      store.mark_running(p.id);
      store.write_result(p.id, o, Provenance{});
    }

    // "two strata": two widths, so two strata, each with its own figures.
    const SweepSpec two = parse_spec(R"(
[sweep]
name = "two strata"
seeds = 1
[grid]
group = ["cyclic:5", "cyclic:7"]
width = [64, 128]
data_fraction = [0.2, 0.4, 0.8]
[train]
steps = 100
log_every = 100
)",
                                     "two.toml");
    const std::int64_t two_id = store.upsert_sweep(two.name, two.text, two.hash);
    store.add_runs(two_id, two.runs);
    for (const auto& p : store.pending_runs(two_id)) {
      core::RunOutcome o;
      for (int s = 0; s <= 100; s += 100) {
        core::StepMetrics m;
        m.step = s;
        m.test_acc = p.config.data_fraction * p.config.train.width / 128.0;
        m.effective_dim = 5.0;
        o.result.log.push_back(m);
      }
      store.mark_running(p.id);
      store.write_result(p.id, o, Provenance{});
    }
  }
  static void TearDownTestSuite() {
    if (keep()) return;
    for (const char* ext : {"", "-wal", "-shm"}) fs::remove(db_ + ext);
  }
  /// SYMSWEEP_TEST_KEEP=1 keeps the database and the reports (to look at the figures).
  static bool keep() { return std::getenv("SYMSWEEP_TEST_KEEP") != nullptr; }

  void SetUp() override {
    out_ = fs::temp_directory_path() /
           ("symsweep_report_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(out_);
  }
  void TearDown() override {
    if (!keep()) fs::remove_all(out_);
  }

  /// Fits a sweep (the fits are replaced each time).
  static void fit(const std::string& sweep = "law") {
    FitOptions f;
    f.db = db_;
    f.sweep = sweep;
    f.eps = {0.5, 0.2, 0.1};
    f.bootstrap = 100;
    testing::internal::CaptureStdout();
    testing::internal::CaptureStderr();
    ASSERT_EQ(run_fit(f), 0);
    testing::internal::GetCapturedStdout();
    testing::internal::GetCapturedStderr();
  }
  static void clear_fits() {
    ResultsStore store(db_, Database::Mode::kReadWrite);
    store.db().exec("DELETE FROM fits; DELETE FROM critical_fractions; DELETE FROM theorem2_fits;");
  }

  ReportOptions options(const std::string& sweep = "") const {
    ReportOptions o;
    o.db = db_;
    o.out = (out_ / "nested" / "report").string();  // --out is created, parents included
    o.sweep = sweep;
    return o;
  }
  int report(const ReportOptions& o) {
    testing::internal::CaptureStdout();
    const int rc = run_report(o);
    testing::internal::GetCapturedStdout();
    return rc;
  }

  static void expect_figure(const fs::path& dir, const std::string& base) {
    for (const char* ext : {".png", ".svg", ".gp"}) {
      const fs::path p = dir / (base + ext);
      ASSERT_TRUE(fs::exists(p)) << p;
      EXPECT_GT(fs::file_size(p), 200u) << p;
    }
    const std::string png = read(dir / (base + ".png"));
    EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8)) << base;
    const std::string svg = read(dir / (base + ".svg"));
    EXPECT_NE(svg.find("<svg"), std::string::npos) << base;
    EXPECT_NE(svg.find("</svg>"), std::string::npos) << base;
  }

  static std::string db_;
  fs::path out_;
};

std::string ReportTest::db_;

/// The run figure's id from the Theorem 2 table the report wrote (run-ID-theorem2.csv).
std::vector<std::int64_t> run_ids(const fs::path& dir) {
  std::vector<std::int64_t> ids;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name.rfind("run-", 0) == 0 && name.size() > 8 && name.substr(name.size() - 4) == ".png") {
      ids.push_back(std::stoll(name.substr(4, name.size() - 8)));
    }
  }
  return ids;
}

TEST_F(ReportTest, DrawsEveryFigureWithTheFitsAndRecoversTheorem2Rates) {
  fit();
  const ReportOptions o = options("law");
  ASSERT_EQ(report(o), 0);
  const fs::path dir = o.out;
  for (const char* base : {"law-phase", "law-nstar-n", "law-nstar-h"}) expect_figure(dir, base);
  for (const char* data : {"law-phase.dat", "law-phase-fstar.dat", "law-nstar-n.dat",
                           "law-nstar-h.dat", "law-fits.csv", "law-critical_fractions.csv"}) {
    EXPECT_TRUE(fs::exists(dir / data)) << data;
  }
  const std::vector<std::int64_t> ids = run_ids(dir);
  ASSERT_EQ(ids.size(), 1u);
  const std::string run = "run-" + std::to_string(ids[0]);
  expect_figure(dir, run);

  const std::string index = read(dir / "index.html");
  for (const std::string& base :
       {std::string("law-phase"), std::string("law-nstar-n"), std::string("law-nstar-h"), run}) {
    EXPECT_NE(index.find("src=\"" + base + ".png\""), std::string::npos) << base;
    EXPECT_NE(index.find("href=\"" + base + ".svg\""), std::string::npos) << base;
  }
  // The fit table: one row per parameter, alpha among them, with its estimate near 1.3.
  EXPECT_NE(index.find("<td>alpha</td>"), std::string::npos);
  EXPECT_NE(index.find("<td>gamma</td>"), std::string::npos);
  EXPECT_NE(index.find("N* = C n^alpha |H|^-gamma eps^-beta"), std::string::npos);
  EXPECT_EQ(index.find("symsweep fit --db"), std::string::npos);  // nothing asks for a fit
  EXPECT_NE(index.find("Critical fractions f*(ε)"), std::string::npos);

  // The chosen run: the median-accuracy run of the largest cell (every cell has 30 runs; the
  // tie goes to the largest group, Z_30).
  Database db(db_, Database::Mode::kReadOnly);
  Statement s = db.prepare("SELECT group_order, lr FROM runs WHERE id = ?1");
  s.bind(1, ids[0]);
  ASSERT_TRUE(s.step());
  const int n = static_cast<int>(s.integer(0));
  EXPECT_EQ(n, 30);

  // Theorem 2 in the report's data: C_k of every frequency as synthesised.
  std::istringstream csv(read(dir / (run + "-theorem2.csv")));
  std::string line;
  std::getline(csv, line);
  EXPECT_EQ(line, "k,C,r2,rmse,points,fitted,dim");
  int rows = 0;
  while (std::getline(csv, line)) {
    int k = 0, points = 0, fitted = 0, dim = 0;
    double c = 0, r2 = 0, rmse = 0;
    ASSERT_EQ(std::sscanf(line.c_str(), "%d,%lf,%lf,%lf,%d,%d,%d", &k, &c, &r2, &rmse, &points,
                          &fitted, &dim),
              7)
        << line;
    EXPECT_EQ(fitted, 1);
    EXPECT_EQ(dim, 1);
    EXPECT_NEAR(c, synthetic_c(k), 1e-6 * synthetic_c(k)) << "k = " << k;
    EXPECT_GT(r2, 1.0 - 1e-9);
    EXPECT_EQ(points, kSteps / kLogEvery + 1);
    ++rows;
  }
  EXPECT_EQ(rows, n - 1);
  // The caption carries the summary: the median of C_1..C_29 is C_15.
  EXPECT_NE(index.find(fmt::format("median C = {:.3g}", synthetic_c(15))), std::string::npos);

  // The fitted curves drawn are the ones fit stored: 1 - exp(-C_k lr step) for every k.
  const double lr = s.real(1);
  std::map<int, double> stored_c;
  for (const Theorem2Row& r : read_theorem2_fits(db, ids[0])) stored_c[r.fit.k] = r.fit.c;
  ASSERT_EQ(stored_c.size(), static_cast<std::size_t>(n - 1));
  std::istringstream curves(read(dir / (run + "-rho-fit.dat")));
  std::set<int> drawn;
  while (std::getline(curves, line)) {
    if (line.empty() || line[0] == '#') continue;
    double step = 0, fitted = 0;
    int k = 0;
    ASSERT_EQ(std::sscanf(line.c_str(), "%lf %lf %d", &step, &fitted, &k), 3) << line;
    ASSERT_EQ(stored_c.count(k), 1u) << line;
    EXPECT_NEAR(fitted, 1.0 - std::exp(-stored_c.at(k) * lr * step), 1e-9) << line;
    drawn.insert(k);
  }
  EXPECT_EQ(drawn.size(), stored_c.size());
  EXPECT_NE(read(dir / (run + ".gp")).find("\"" + run + "-rho-fit.dat\""), std::string::npos);
  EXPECT_EQ(index.find("No Theorem 2 fit is stored"), std::string::npos);

  // The kept script redraws its figure when run again in the report directory.
  fs::remove(dir / "law-phase.png");
  const std::string cmd = "cd '" + dir.string() + "' && gnuplot law-phase.gp 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  expect_figure(dir, "law-phase");
}

TEST_F(ReportTest, WithoutFitsDrawsThePhaseDiagramAndTheRunAndAsksForAFit) {
  clear_fits();
  const ReportOptions o = options("law");
  ASSERT_EQ(report(o), 0);
  const fs::path dir = o.out;
  expect_figure(dir, "law-phase");
  EXPECT_FALSE(fs::exists(dir / "law-nstar-n.png"));
  EXPECT_FALSE(fs::exists(dir / "law-phase-fstar.dat"));
  ASSERT_EQ(run_ids(dir).size(), 1u);
  const std::string index = read(dir / "index.html");
  EXPECT_NE(index.find("run <code>symsweep fit --db"), std::string::npos);
  EXPECT_NE(index.find("src=\"law-phase.png\""), std::string::npos);
  // The run's potentials are drawn without fitted curves, and its caption asks for a fit.
  const std::string run = "run-" + std::to_string(run_ids(dir)[0]);
  expect_figure(dir, run);
  EXPECT_TRUE(fs::exists(dir / (run + "-rho.dat")));
  EXPECT_FALSE(fs::exists(dir / (run + "-rho-fit.dat")));
  EXPECT_FALSE(fs::exists(dir / (run + "-theorem2.csv")));
  EXPECT_EQ(read(dir / (run + ".gp")).find("rho-fit"), std::string::npos);
  EXPECT_NE(index.find("No Theorem 2 fit is stored for this run: run <code>symsweep fit --db"),
            std::string::npos);
}

/// The id of the nonabelian sweep's run with this seed at fraction 0.3.
std::int64_t nonabelian_run(const std::string& db, int seed) {
  Database d(db, Database::Mode::kReadOnly);
  Statement s = d.prepare(
      "SELECT id FROM runs WHERE group_spec = 'dihedral:5' AND seed = ?1 AND data_fraction = 0.3");
  s.bind(1, seed);
  EXPECT_TRUE(s.step());
  return s.integer(0);
}

TEST_F(ReportTest, ANonAbelianRunFitsItsIrrepsOrHasANoteWithoutMps) {
  clear_fits();
  ReportOptions o = options("nonabelian");
  o.run = nonabelian_run(db_, 0);
  // Before `symsweep fit`: the irreps' potentials without fitted curves, and notes asking for it.
  ASSERT_EQ(report(o), 0);
  fs::path dir = o.out;
  std::string run = "run-" + std::to_string(o.run);
  expect_figure(dir, run);
  EXPECT_FALSE(fs::exists(dir / (run + "-theorem2.csv")));
  std::string index = read(dir / "index.html");
  EXPECT_NE(index.find("symsweep fit --db"), std::string::npos);  // the sweep is not fitted
  EXPECT_NE(index.find("No Theorem 2 fit is stored for this run"), std::string::npos);

  fs::remove_all(out_);
  fit("nonabelian");
  ASSERT_EQ(report(o), 0);
  expect_figure(dir, "nonabelian-phase");
  expect_figure(dir, run);
  // Theorem 2 per irrep: C_tau recovered, with the irrep's dimension.
  std::istringstream csv(read(dir / (run + "-theorem2.csv")));
  std::string line;
  std::getline(csv, line);
  int rows = 0;
  while (std::getline(csv, line)) {
    int k = 0, points = 0, fitted = 0, dim = 0;
    double c = 0, r2 = 0, rmse = 0;
    ASSERT_EQ(std::sscanf(line.c_str(), "%d,%lf,%lf,%lf,%d,%d,%d", &k, &c, &r2, &rmse, &points,
                          &fitted, &dim),
              7)
        << line;
    EXPECT_NEAR(c, irrep_c(k), 1e-6 * irrep_c(k)) << "tau = " << k;
    EXPECT_EQ(dim, k == 1 ? 1 : 2);
    ++rows;
  }
  EXPECT_EQ(rows, 3);
  const std::string script = read(dir / (run + ".gp"));
  EXPECT_NE(script.find("irrep τ"), std::string::npos);
  EXPECT_NE(script.find("off-target energy"), std::string::npos);
  index = read(dir / "index.html");
  EXPECT_NE(index.find("Fitted 3 of 3 irreps"), std::string::npos);
  EXPECT_EQ(index.find("No Theorem 2 fit is stored"), std::string::npos);

  fs::remove_all(out_);
  o.run = nonabelian_run(db_, 1);
  ASSERT_EQ(report(o), 0);
  run = "run-" + std::to_string(o.run);
  expect_figure(dir, run);
  EXPECT_FALSE(fs::exists(dir / (run + "-theorem2.csv")));
  EXPECT_NE(read(dir / (run + ".gp")).find("no monomial potentials were logged"),
            std::string::npos);
  EXPECT_NE(read(dir / "index.html").find("no Theorem 2 fit"), std::string::npos);
}

TEST_F(ReportTest, OneSetOfFiguresPerStratum) {
  const ReportOptions o = options("two strata");
  ASSERT_EQ(report(o), 0);
  const fs::path dir = o.out;
  expect_figure(dir, "two_strata-s1-phase");
  expect_figure(dir, "two_strata-s2-phase");
  EXPECT_FALSE(fs::exists(dir / "two_strata-phase.png"));
  const std::string index = read(dir / "index.html");
  EXPECT_NE(index.find("width=64"), std::string::npos);
  EXPECT_NE(index.find("width=128"), std::string::npos);
  EXPECT_NE(index.find("2 strata"), std::string::npos);
  // Every run of a no-MP sweep still gets its diagnostics figure, and no drift is a note.
  const std::vector<std::int64_t> ids = run_ids(dir);
  ASSERT_EQ(ids.size(), 1u);
  EXPECT_NE(read(dir / ("run-" + std::to_string(ids[0]) + ".gp")).find("no drift recorded"),
            std::string::npos);
}

TEST_F(ReportTest, EveryRunAndSweepOfTheDatabaseAndAChosenRun) {
  ReportOptions o = options();
  o.run = 1;
  ASSERT_EQ(report(o), 0);
  const fs::path dir = o.out;
  expect_figure(dir, "law-phase");
  expect_figure(dir, "nonabelian-phase");
  expect_figure(dir, "run-1");
  EXPECT_EQ(run_ids(dir), std::vector<std::int64_t>{1});  // --run replaces the median runs
  EXPECT_NE(read(dir / "index.html").find("The run chosen with --run."), std::string::npos);
}

TEST_F(ReportTest, InputErrorsAndAMissingGnuplot) {
  ReportOptions o = options();
  o.db = (out_ / "missing.db").string();
  EXPECT_THROW(run_report(o), DatabaseError);
  EXPECT_FALSE(fs::exists(o.db));

  fs::create_directories(out_);
  const std::string empty = (out_ / "empty.db").string();
  { ResultsStore store(empty, Database::Mode::kReadWrite); }
  o.db = empty;
  try {
    run_report(o);
    ADD_FAILURE() << "an empty database was accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("no runs"), std::string::npos) << e.what();
  }

  o = options("nope");
  EXPECT_THROW(run_report(o), InputError);
  o = options();
  o.run = 999999;
  EXPECT_THROW(run_report(o), InputError);
  o = options();
  o.eps = 1.5;
  EXPECT_THROW(run_report(o), InputError);

  o = options();
  o.gnuplot = "/nonexistent/gnuplot";
  try {
    run_report(o);
    ADD_FAILURE() << "a missing gnuplot was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("apt-get install gnuplot-nox"), std::string::npos)
        << e.what();
  }
  EXPECT_FALSE(fs::exists(o.out));  // nothing written before the check

  o = options();
  o.out = empty;  // a file, not a directory
  EXPECT_THROW(run_report(o), InputError);
}

/// The numeric rows of a report data file, per block (blocks end at a blank line; comments
/// skipped).
std::vector<std::vector<std::vector<double>>> blocks_of(const fs::path& p) {
  std::vector<std::vector<std::vector<double>>> blocks(1);
  std::istringstream in(read(p));
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line[0] == '#') continue;
    if (line.empty()) {
      if (!blocks.back().empty()) blocks.emplace_back();
      continue;
    }
    std::istringstream fields(line);
    std::vector<double> row;
    std::string field;
    while (fields >> field) row.push_back(field == "NaN" ? std::nan("") : std::stod(field));
    blocks.back().push_back(row);
  }
  if (blocks.back().empty()) blocks.pop_back();
  return blocks;
}

/// The finished runs of a sweep as the test sees them, straight from the database.
struct TestRun {
  std::int64_t id;
  std::string group, augment;
  int n, h;
  double fraction, test_acc;
};
std::vector<TestRun> finished_runs(const std::string& db, const std::string& sweep) {
  Database d(db, Database::Mode::kReadOnly);
  Statement s = d.prepare(
      "SELECT runs.id, group_spec, augment, group_order, augment_order, data_fraction, test_acc "
      "FROM runs JOIN sweep_runs ON sweep_runs.run_id = runs.id JOIN sweeps ON sweeps.id = "
      "sweep_runs.sweep_id WHERE "
      "sweeps.name = ?1 AND status = 'done' AND test_acc IS NOT NULL ORDER BY runs.id");
  s.bind(1, sweep);
  std::vector<TestRun> out;
  while (s.step()) {
    out.push_back({s.integer(0), s.text(1), s.text(2), static_cast<int>(s.integer(3)),
                   static_cast<int>(s.integer(4)), s.real(5), s.real(6)});
  }
  return out;
}

/// The default dynamics run of a report (its single run figure).
std::int64_t shown_run(const fs::path& dir) {
  const std::vector<std::int64_t> ids = run_ids(dir);
  EXPECT_EQ(ids.size(), 1u);
  return ids.empty() ? 0 : ids[0];
}

TEST_F(ReportTest, AccuracyAgainstFractionHasOneRowPerLineAndFractionWithItsSpread) {
  for (const bool fitted : {false, true}) {
    SCOPED_TRACE(fitted ? "fitted" : "not fitted");
    fs::remove_all(out_);
    if (fitted) {
      fit();
    } else {
      clear_fits();
    }
    const ReportOptions o = options("law");
    ASSERT_EQ(report(o), 0);
    const fs::path dir = o.out;
    expect_figure(dir, "law-acc");
    // The same lines and values as the database: per (|H|, group) one block, per fraction one
    // row with the median of the seeds' final accuracies inside [min, max] and the quartiles.
    // Fractions as keys to 6 digits (the data file prints 10).
    std::map<std::tuple<int, int, std::string>, std::vector<double>> expected;
    const std::vector<TestRun> runs = finished_runs(db_, "law");
    for (const TestRun& r : runs) {
      expected[{r.h, r.n, fmt::format("{:.6g}", r.fraction)}].push_back(r.test_acc);
    }
    std::set<std::pair<int, int>> lines;
    for (const auto& [key, v] : expected) lines.emplace(std::get<0>(key), std::get<1>(key));
    const auto blocks = blocks_of(dir / "law-acc.dat");
    EXPECT_EQ(blocks.size(), lines.size());
    std::size_t rows = 0;
    for (const auto& block : blocks) {
      std::set<double> fractions;
      for (const auto& row : block) {
        ASSERT_EQ(row.size(), 9u);
        const double f = row[0], median = row[1], lo = row[2], hi = row[3];
        EXPECT_TRUE(fractions.insert(f).second) << "fraction " << f << " twice in a line";
        EXPECT_LE(lo, row[4]);
        EXPECT_LE(row[4], median);
        EXPECT_LE(median, row[5]);
        EXPECT_LE(row[5], hi);
        const auto it = expected.find(
            {static_cast<int>(row[8]), static_cast<int>(row[7]), fmt::format("{:.6g}", f)});
        ASSERT_NE(it, expected.end()) << "a row without runs: f = " << f;
        std::vector<double> v = it->second;
        std::sort(v.begin(), v.end());
        EXPECT_EQ(static_cast<std::size_t>(row[6]), v.size());
        EXPECT_NEAR(median, 0.5 * (v[(v.size() - 1) / 2] + v[v.size() / 2]), 1e-9);
        EXPECT_NEAR(lo, v.front(), 1e-9);
        EXPECT_NEAR(hi, v.back(), 1e-9);
        ++rows;
      }
    }
    EXPECT_EQ(rows, expected.size());
    const std::string index = read(dir / "index.html");
    EXPECT_NE(index.find(fmt::format("From the {} finished runs of sweep “law” with the training "
                                     "settings <code>width=512 adamw lr=0.003 wd=0.1 s=0.3 "
                                     "steps=3000 f32</code> (runs {}–{})",
                                     runs.size(), runs.front().id, runs.back().id)),
              std::string::npos);
    if (!fitted) {
      EXPECT_FALSE(fs::exists(dir / "law-acc-fstar.dat"));
      EXPECT_NE(index.find("The sweep is not fitted: f*(ε) is not marked."), std::string::npos);
      continue;
    }
    // f*(0.1) of every line that has one, as stored, inside its (clipped) interval, at 1 - eps.
    Database d(db_, Database::Mode::kReadOnly);
    std::vector<double> stored;
    for (const CriticalFractionRow& c : read_critical_fractions(d, "law")) {
      if (std::abs(c.eps - 0.1) < 1e-12 && c.estimate) stored.push_back(*c.estimate);
    }
    ASSERT_FALSE(stored.empty());
    std::vector<double> marked;
    for (const auto& block : blocks_of(dir / "law-acc-fstar.dat")) {
      ASSERT_EQ(block.size(), 1u);
      const auto& row = block[0];
      EXPECT_NEAR(row[1], 0.9, 1e-12);
      EXPECT_LE(row[2], row[0]);
      EXPECT_LE(row[0], row[3]);
      marked.push_back(row[0]);
    }
    std::sort(stored.begin(), stored.end());
    std::sort(marked.begin(), marked.end());
    ASSERT_EQ(marked.size(), stored.size());
    for (std::size_t i = 0; i < marked.size(); ++i) EXPECT_NEAR(marked[i], stored[i], 1e-9);
    EXPECT_NE(index.find("Diamonds on the dashed line 1 − ε"), std::string::npos);
  }
}

TEST_F(ReportTest, TheDefaultDynamicsRunGeneralises) {
  const std::vector<TestRun> runs = finished_runs(db_, "law");
  auto check = [&](const fs::path& dir, auto generalises) {
    const std::int64_t id = shown_run(dir);
    const auto shown = std::find_if(runs.begin(), runs.end(), [&](auto& r) { return r.id == id; });
    ASSERT_NE(shown, runs.end());
    // Among its cell's generalising runs, the median by fraction (then accuracy, then id).
    std::vector<const TestRun*> cell;
    for (const TestRun& r : runs) {
      if (r.group == shown->group && r.augment == shown->augment && generalises(r)) {
        cell.push_back(&r);
      }
    }
    ASSERT_FALSE(cell.empty());
    EXPECT_TRUE(generalises(*shown)) << "run " << id;
    std::sort(cell.begin(), cell.end(), [](const TestRun* a, const TestRun* b) {
      return std::tie(a->fraction, a->test_acc, a->id) < std::tie(b->fraction, b->test_acc, b->id);
    });
    EXPECT_EQ(cell[(cell.size() - 1) / 2]->id, id);
    const std::string index = read(dir / "index.html");
    EXPECT_NE(index.find("a run that generalises, the median by data fraction"),
              std::string::npos);
    EXPECT_NE(index.find(fmt::format("of the {} generalising runs", cell.size())),
              std::string::npos);
  };
  // Not fitted: final test accuracy >= 1 - eps (0.1).
  clear_fits();
  ReportOptions o = options("law");
  ASSERT_EQ(report(o), 0);
  check(o.out, [](const TestRun& r) { return r.test_acc >= 0.9; });
  EXPECT_NE(read(fs::path(o.out) / "index.html").find("final test accuracy ≥ 1 − ε = 0.9"),
            std::string::npos);

  // Fitted: above the cell's f*(0.1).
  fit();
  fs::remove_all(out_);
  ASSERT_EQ(report(o), 0);
  Database d(db_, Database::Mode::kReadOnly);
  std::map<std::pair<std::string, std::string>, double> fstar;
  for (const CriticalFractionRow& c : read_critical_fractions(d, "law")) {
    if (std::abs(c.eps - 0.1) < 1e-12 && c.estimate) fstar[{c.group_spec, c.augment}] = *c.estimate;
  }
  check(o.out, [&](const TestRun& r) {
    const auto it = fstar.find({r.group, r.augment});
    return it != fstar.end() && r.fraction > it->second;
  });

  // No run generalises (the best final accuracy of "two strata" is 0.8): the median run by
  // final test accuracy, and the caption says so.
  fs::remove_all(out_);
  o = options("two strata");
  ASSERT_EQ(report(o), 0);
  const std::string index = read(fs::path(o.out) / "index.html");
  EXPECT_NE(index.find("No run of sweep “two strata” generalises"), std::string::npos);
  EXPECT_EQ(index.find("a run that generalises"), std::string::npos);
}

TEST_F(ReportTest, TheRunFigureIsTheGrokkingCurveOnLinearAndLogStepAxes) {
  clear_fits();
  ReportOptions o = options("law");
  ASSERT_EQ(report(o), 0);
  const fs::path dir = o.out;
  const std::int64_t id = shown_run(dir);
  const std::string run = "run-" + std::to_string(id);
  // The metrics file holds the logged accuracies and losses, as stored.
  Database d(db_, Database::Mode::kReadOnly);
  Statement s = d.prepare(
      "SELECT step, train_acc, test_acc, train_loss FROM metrics WHERE run_id = ?1 ORDER BY step");
  s.bind(1, id);
  const auto blocks = blocks_of(dir / (run + "-metrics.dat"));
  ASSERT_EQ(blocks.size(), 1u);
  std::size_t i = 0;
  std::int64_t memorised = -1, generalised = -1;
  for (; s.step(); ++i) {
    ASSERT_LT(i, blocks[0].size());
    const auto& row = blocks[0][i];
    EXPECT_EQ(row[0], static_cast<double>(s.integer(0)));
    EXPECT_NEAR(row[1], s.real(1), 1e-9);
    EXPECT_NEAR(row[2], s.real(2), 1e-9);
    EXPECT_NEAR(row[3], s.real(3), 1e-9 * s.real(3));
    if (memorised < 0 && s.real(1) >= 0.99) memorised = s.integer(0);
    if (generalised < 0 && s.real(2) >= 0.9) generalised = s.integer(0);
  }
  EXPECT_EQ(i, blocks[0].size());
  ASSERT_GT(memorised, 0);
  ASSERT_GT(generalised, 0);
  const std::string index = read(dir / "index.html");
  EXPECT_NE(index.find(fmt::format("train accuracy first ≥ 0.99 at step {}", memorised)),
            std::string::npos);
  EXPECT_NE(index.find(fmt::format("test accuracy first ≥ 1 − ε = 0.9 at step {}", generalised)),
            std::string::npos);
  // Both step axes, with the milestones drawn in every panel; the potentials beneath.
  const std::string script = read(dir / (run + ".gp"));
  EXPECT_NE(script.find("set logscale x"), std::string::npos);
  EXPECT_NE(script.find("unset logscale x"), std::string::npos);
  EXPECT_NE(script.find(fmt::format("set arrow 1 from first {},", memorised)), std::string::npos);
  EXPECT_NE(script.find(fmt::format("set arrow 3 from first {},", generalised)), std::string::npos);
  EXPECT_NE(script.find("using 1:2 with lines lw 2 lc rgb \"#1b9e77\" title \"train\""),
            std::string::npos);
  EXPECT_NE(script.find(run + "-rho.dat"), std::string::npos);
}

TEST_F(ReportTest, IrrepsGetOneKeyEntryEachAndNoColourBox) {
  clear_fits();
  ReportOptions o = options("nonabelian");
  o.run = nonabelian_run(db_, 0);
  ASSERT_EQ(report(o), 0);
  const std::string script = read(fs::path(o.out) / ("run-" + std::to_string(o.run) + ".gp"));
  for (const char* entry : {"title \"τ = 1 (d = 1)\"", "title \"τ = 2 (d = 2)\"",
                            "title \"τ = 3 (d = 2)\""}) {
    EXPECT_NE(script.find(entry), std::string::npos) << entry;
  }
  std::size_t entries = 0;
  for (std::size_t at = script.find("title \"τ = "); at != std::string::npos;
       at = script.find("title \"τ = ", at + 1)) {
    ++entries;
  }
  EXPECT_EQ(entries, 2u * 3);  // each irrep once per step axis
  EXPECT_EQ(script.find("lc palette"), std::string::npos);
  EXPECT_EQ(script.find("\nset colorbox"), std::string::npos);
}

TEST_F(ReportTest, OnePotentialPerCellAcrossFractionsOneColourEach) {
  fit();
  const ReportOptions o = options("law");
  ASSERT_EQ(report(o), 0);
  const fs::path dir = o.out;
  const std::vector<TestRun> runs = finished_runs(db_, "law");
  std::map<std::pair<std::string, std::string>, std::set<double>> cells;
  for (const TestRun& r : runs) cells[{r.group, r.augment}].insert(r.fraction);
  const std::string index = read(dir / "index.html");
  int figures = 0;
  for (int i = 1; fs::exists(dir / fmt::format("law-cell{}-rho.png", i)); ++i) {
    const std::string base = fmt::format("law-cell{}-rho", i);
    expect_figure(dir, base);
    // One block per fraction of the cell, each with every seed at every step.
    const auto blocks = blocks_of(dir / (base + ".dat"));
    std::set<double> fractions;
    for (const auto& block : blocks) {
      ASSERT_FALSE(block.empty());
      fractions.insert(block[0][5]);
      for (const auto& row : block) {
        EXPECT_EQ(row[4], 3.0);
        EXPECT_LE(row[2], row[1]);
        EXPECT_LE(row[1], row[3]);
      }
    }
    EXPECT_EQ(blocks.size(), fractions.size());
    EXPECT_EQ(fractions.size(), 10u);
    // One distinct colour per fraction, one key entry each.
    std::istringstream script(read(dir / (base + ".gp")));
    std::set<std::string> colours;
    std::size_t items = 0;
    for (std::string line; std::getline(script, line);) {
      const std::size_t at = line.find("lc rgb \"#");
      if (line.find(base + ".dat\" index") == std::string::npos || at == std::string::npos) {
        continue;
      }
      EXPECT_NE(line.find("title \"f = "), std::string::npos) << line;
      colours.insert(line.substr(at + 8, 7));
      ++items;
    }
    EXPECT_EQ(items, fractions.size());
    EXPECT_EQ(colours.size(), fractions.size());
    ++figures;
  }
  EXPECT_EQ(figures, static_cast<int>(cells.size()));
  // Rates C_k grow with k in these runs, so the largest final potential is that of k = n - 1;
  // fit's f* splits the lines into dashed and solid.
  EXPECT_NE(index.find("frequency k = 29 (of all the frequencies"), std::string::npos);
  EXPECT_NE(index.find("frequency k = 11 (of all the frequencies"), std::string::npos);
  EXPECT_NE(index.find("Solid: fractions above the cell's f*(ε = 0.1)"), std::string::npos);
  EXPECT_NE(read(dir / "law-cell1-rho.gp").find("dt (5, 3)"), std::string::npos);
}

/// One base cell and, per setting, a cell that differs from it in that setting only (the named
/// columns, and the later settings that enter the key only away from their defaults): fit's
/// cells and strata (as stored, and as named in its messages) are the report's, and each
/// setting makes its own cell.
TEST(CellKey, FitAndReportAgreeForRunsDifferingInEachSetting) {
  const std::string db =
      (fs::temp_directory_path() / ("symsweep_cellkey_" + std::to_string(::getpid()) + ".db"))
          .string();
  fs::remove(db);
  const std::string base =
      "[sweep]\nname = \"keys\"\nseeds = 2\n[grid]\ngroup = [\"{group}\"]\naugment = "
      "[\"{augment}\"]\ndata_fraction = [0.2, 0.5, 0.8]\n[train]\nwidth = {width}\noptimizer = "
      "\"{optimizer}\"\nlr = {lr}\nweight_decay = {wd}\ninit_scale = {s}\nsteps = {steps}\n"
      "precision = \"{precision}\"\n{extra}\n";
  std::map<std::string, std::string> setting = {
      {"group", "cyclic:6"}, {"augment", "none"}, {"width", "64"},   {"optimizer", "adamw"},
      {"lr", "0.003"},       {"wd", "0.1"},       {"s", "0.3"},      {"steps", "2"},
      {"precision", "f32"}, {"extra", ""}};
  // The later settings: a line each under [train].
  const std::vector<std::string> extras = {
      "beta1 = 0.8",       "beta2 = 0.98",   "adam_eps = 1e-6",   "parametrization = \"standard\"",
      "init = \"uniform\"", "loss = \"mse\"", "init_scale_out = 0.1",
      "target_frequencies = \"1\""};
  const std::map<std::string, std::string> other = {
      {"group", "cyclic:8"}, {"augment", "order:2"}, {"width", "128"}, {"optimizer", "gd"},
      {"lr", "0.01"},        {"wd", "0"},            {"s", "0.5"},     {"steps", "3"},
      {"precision", "f64"}};
  auto spec_text = [&](const std::map<std::string, std::string>& v) {
    return fmt::format(fmt::runtime(base), fmt::arg("group", v.at("group")),
                       fmt::arg("augment", v.at("augment")), fmt::arg("width", v.at("width")),
                       fmt::arg("optimizer", v.at("optimizer")), fmt::arg("lr", v.at("lr")),
                       fmt::arg("wd", v.at("wd")), fmt::arg("s", v.at("s")),
                       fmt::arg("steps", v.at("steps")), fmt::arg("precision", v.at("precision")),
                       fmt::arg("extra", v.at("extra")));
  };
  {
    ResultsStore store(db, Database::Mode::kReadWrite);
    std::vector<std::map<std::string, std::string>> variants = {setting};
    for (const auto& [name, value] : other) {
      auto v = setting;
      v[name] = value;
      variants.push_back(v);
    }
    for (const std::string& line : extras) {
      auto v = setting;
      v["extra"] = line;
      variants.push_back(v);
    }
    for (const auto& v : variants) {
      const SweepSpec spec = parse_spec(spec_text(v), "keys.toml");
      const std::int64_t id = store.upsert_sweep(spec.name, spec.text, spec.hash);
      store.add_runs(id, spec.runs);
      for (const auto& p : store.pending_runs(id)) {
        core::RunOutcome o;
        o.result.log.resize(1);
        o.result.log[0].test_acc = p.config.data_fraction + 0.05 * p.config.train.seed;
        store.mark_running(p.id);
        store.write_result(p.id, o, Provenance{});
      }
    }
  }
  FitOptions f;
  f.db = db;
  f.eps = {0.5};
  f.bootstrap = 0;
  testing::internal::CaptureStdout();
  testing::internal::CaptureStderr();
  ASSERT_EQ(run_fit(f), 0);
  const std::string fit_tables = testing::internal::GetCapturedStdout();
  const std::string fit_messages = testing::internal::GetCapturedStderr();

  Database d(db, Database::Mode::kReadOnly);
  const report::SweepData sweep = report::load_sweep(d, "keys", 0.0, true);
  const std::size_t cells = 10 + extras.size();
  ASSERT_EQ(sweep.runs.size(), cells * 3 * 2);
  // The report's cells are fit's: every stored critical fraction is in a cell of the report's
  // runs (10 cells: the base and one per setting), and every report cell has one.
  std::set<std::string> report_cells, fit_cells, report_strata, fit_strata;
  for (const SweepRun& r : sweep.runs) report_cells.insert(r.key.cell);
  for (const report::Critical& c : sweep.critical) {
    fit_cells.insert(c.stored.cell);
    EXPECT_FALSE(c.stratum.empty()) << c.stored.cell;
  }
  EXPECT_EQ(report_cells.size(), cells);
  EXPECT_EQ(fit_cells, report_cells);
  // The report's strata are fit's: the group and the augmentation share the base's stratum,
  // each of the other seven has its own (8 strata). Fit names each stratum in `fits` or, when it
  // cannot fit a law there, in its message "sweep "keys" [STRATUM]: ...".
  for (const auto& [key, st] : sweep.strata) report_strata.insert(key);
  for (const FitParameterRow& row : sweep.fits) fit_strata.insert(row.stratum.value_or(""));
  std::istringstream lines(fit_messages);
  std::string line;
  const std::string prefix = "sweep \"keys\" [";
  while (std::getline(lines, line)) {
    if (line.rfind(prefix, 0) == 0) {
      fit_strata.insert(line.substr(prefix.size(), line.find("]: ") - prefix.size()));
    }
  }
  EXPECT_EQ(report_strata.size(), 8u + extras.size());
  EXPECT_EQ(fit_strata, report_strata);
  // fit's table of critical fractions names each row's stratum: rows of one group that differ
  // in another setting are told apart.
  for (const std::string& stratum : report_strata) {
    EXPECT_NE(fit_tables.find("  " + stratum + "\n"), std::string::npos) << stratum;
  }
  // And per setting: the run that differs from the base in it is in another cell, and in the
  // same stratum only for the group and the augmentation.
  const SweepRun* base_run = nullptr;
  for (const SweepRun& r : sweep.runs) {
    const CellSettings& c = r.key.settings;
    if (c.group_spec == "cyclic:6" && c.augment == "none" && c.width == 64 && c.steps == 2 &&
        c.optimizer == "adamw" && c.precision == "f32" && c.lr == 0.003 && c.weight_decay == 0.1 &&
        c.init_scale == 0.3 && c.others.empty()) {
      base_run = &r;
    }
  }
  ASSERT_NE(base_run, nullptr);
  // At the defaults the key has the form stored by older databases (their fits stay matched).
  EXPECT_EQ(base_run->key.stratum, "cyclic width=64 adamw lr=0.003 wd=0.1 s=0.3 steps=2 f32");
  std::size_t differing = 0;
  for (const SweepRun& r : sweep.runs) {
    if (r.key.cell == base_run->key.cell) continue;
    const CellSettings &a = base_run->key.settings, &b = r.key.settings;
    const bool group_or_augment = a.group_spec != b.group_spec || a.augment != b.augment;
    EXPECT_EQ(r.key.stratum == base_run->key.stratum, group_or_augment) << r.key.cell;
    ++differing;
  }
  EXPECT_EQ(differing, (cells - 1) * 3 * 2);
  for (const char* ext : {"", "-wal", "-shm"}) fs::remove(db + ext);
}

}  // namespace
}  // namespace symsweep::sweeps
