#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <complex>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "symsweep/core/error.hpp"
#include "symsweep/core/theorem2.hpp"
#include "commands/fit_command.hpp"
#include "spec/spec.hpp"
#include "store/fit_results.hpp"
#include "store/store.hpp"

namespace symsweep::sweeps {
namespace {

/// A results database whose test accuracies follow a known threshold law:
/// f*(n, |H|) = 3 n^1.3 / |H| / n^2, accuracy = a logistic step in log f around it.
class FitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = (std::filesystem::temp_directory_path() /
             ("symsweep_fit_" + std::to_string(::getpid()) + ".db"))
                .string();
    std::filesystem::remove(path_);
    ResultsStore store(path_, Database::Mode::kReadWrite);
    const SweepSpec s = parse_spec(R"(
[sweep]
name = "law"
seeds = 3
[grid]
group = ["cyclic:12", "cyclic:18", "cyclic:24", "cyclic:30", "cyclic:36"]
augment = ["none", "order:2", "order:3"]
data_fraction = {logspace = [0.02, 0.9, 14]}
[train]
steps = 1
)",
                                   "law.toml");
    const std::int64_t id = store.upsert_sweep(s.name, s.text, s.hash);
    store.add_runs(id, s.runs);
    for (const auto& p : store.pending_runs(id)) {
      const double n = core::GroupContextCache().get(p.config.group).group().order();
      const double h = core::make_subgroup(core::make_group(p.config.group), p.config.augment).size();
      const double fstar = 3.0 * std::pow(n, 1.3) / h / (n * n);
      const double jitter = 0.05 * (static_cast<double>(p.config.train.seed) - 1.0);
      const double x = (std::log(p.config.data_fraction) - std::log(fstar) - jitter) / 0.08;
      core::RunOutcome o;
      o.result.log.resize(1);
      o.result.log[0].test_acc = 1.0 / (1.0 + std::exp(-x));
      store.mark_running(p.id);
      store.write_result(p.id, o, Provenance{});
    }
  }
  void TearDown() override {
    for (const char* ext : {"", "-wal", "-shm"}) std::filesystem::remove(path_ + ext);
  }
  std::string path_;
};

double scalar(Database& db, const std::string& sql) {
  Statement s = db.prepare(sql);
  EXPECT_TRUE(s.step()) << sql;
  return s.real(0);
}

TEST_F(FitTest, RecoversTheExponentsAndReplacesEarlierFits) {
  FitOptions o;
  o.db = path_;
  o.eps = {0.5, 0.1};
  o.bootstrap = 200;
  testing::internal::CaptureStdout();
  ASSERT_EQ(run_fit(o), 0);
  ASSERT_EQ(run_fit(o), 0);  // a second fit replaces the first one's rows
  testing::internal::GetCapturedStdout();
  ResultsStore store(path_, Database::Mode::kReadOnly);
  EXPECT_EQ(scalar(store.db(), "SELECT count(*) FROM critical_fractions"), 5 * 3 * 2);
  const double alpha = scalar(store.db(),
                              "SELECT estimate FROM fits WHERE model = 'power' AND "
                              "parameter = 'alpha'");
  const double gamma = scalar(store.db(),
                              "SELECT estimate FROM fits WHERE model = 'power' AND "
                              "parameter = 'gamma'");
  EXPECT_NEAR(alpha, 1.3, 0.1);
  EXPECT_NEAR(gamma, 1.0, 0.1);
  EXPECT_LE(scalar(store.db(), "SELECT low FROM fits WHERE model = 'power' AND parameter = 'alpha'"),
            alpha);
  EXPECT_EQ(scalar(store.db(), "SELECT count(DISTINCT parameter) FROM fits WHERE model = 'power'"),
            4);  // C, alpha, gamma, beta
  // f* of Z_24 without augmentation, at eps = 0.5: 3 * 24^1.3 / 576 (up to the seed jitter).
  const double f24 = scalar(store.db(),
                            "SELECT estimate FROM critical_fractions WHERE group_order = 24 AND "
                            "augment_order = 1 AND eps = 0.5");
  EXPECT_NEAR(std::log(f24), std::log(3.0 * std::pow(24.0, 1.3) / 576.0), 0.1);
}

TEST_F(FitTest, StoresWhatTheCellsIntervalsOweAndWhyALawIsWeak) {
  FitOptions o;
  o.db = path_;
  o.bootstrap = 200;
  o.eps = {0.5, 0.1};  // two eps values: beta is a line through two points
  testing::internal::CaptureStdout();
  testing::internal::CaptureStderr();
  ASSERT_EQ(run_fit(o), 0);
  testing::internal::GetCapturedStdout();
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("is weak: beta rests on 2 distinct eps values"), std::string::npos) << err;
  {
    ResultsStore store(path_, Database::Mode::kReadOnly);
    EXPECT_EQ(scalar(store.db(), "SELECT count(*) FROM fits WHERE warnings IS NULL OR warnings "
                                 "NOT LIKE '%beta rests on 2 distinct eps values%'"),
              0);
    // Every parameter's share lies in [0, 1], and the cells' intervals (a grid step or more
    // each) account for some of every interval.
    EXPECT_EQ(scalar(store.db(), "SELECT count(*) FROM fits WHERE NOT (fstar_share > 0 AND "
                                 "fstar_share <= 1)"),
              0);
  }
  o.eps = {0.5, 0.2, 0.1};
  testing::internal::CaptureStdout();
  testing::internal::CaptureStderr();
  ASSERT_EQ(run_fit(o), 0);
  testing::internal::GetCapturedStdout();
  testing::internal::GetCapturedStderr();
  ResultsStore store(path_, Database::Mode::kReadOnly);
  EXPECT_EQ(scalar(store.db(), "SELECT count(*) FROM fits WHERE warnings LIKE '%beta rests%'"), 0);
}

/// A sweep whose runs log rho_kkk (1 - exp(-C t) with a per-run rate and a ripple, so that
/// the fits are not exact): finished runs with and without a test set (f = 1), and one run
/// left pending. Keeps each finished run's log, to fit it independently of the store.
class FitTheorem2Test : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = (std::filesystem::temp_directory_path() /
             ("symsweep_fit_t2_" + std::to_string(::getpid()) + ".db"))
                .string();
    std::filesystem::remove(path_);
    ResultsStore store(path_, Database::Mode::kReadWrite);
    const SweepSpec s = parse_spec(R"(
[sweep]
name = "t2"
seeds = 2
[grid]
group = ["cyclic:7"]
data_fraction = [0.4, 1.0]
[train]
lr = 2e-3
steps = 600
log_every = 50
)",
                                   "t2.toml");
    const std::int64_t id = store.upsert_sweep(s.name, s.text, s.hash);
    store.add_runs(id, s.runs);
    const auto pending = store.pending_runs(id);
    ASSERT_EQ(pending.size(), 4u);
    for (std::size_t i = 0; i + 1 < pending.size(); ++i) {  // the last one stays pending
      const auto& p = pending[i];
      core::RunOutcome o;
      for (int step = 0; step <= 600; step += 50) {
        core::StepMetrics m;
        m.step = step;
        const double t = p.config.train.lr * step;
        std::vector<std::complex<double>> rho;
        for (int k = 1; k <= 6; ++k) {
          const double c = 0.8 + 0.3 * k + 0.1 * static_cast<double>(i);
          rho.emplace_back(1.0 - std::exp(-c * t) + 0.01 * std::sin(3.0 * k + step), 0.0);
        }
        m.rho_kkk = rho;
        if (p.config.data_fraction < 1.0) m.test_acc = 0.5;  // f = 1: no test set
        o.result.log.push_back(m);
      }
      logs_[p.id] = o.result.log;
      lr_[p.id] = p.config.train.lr;
      if (p.config.data_fraction == 1.0) ++without_test_set_;
      store.mark_running(p.id);
      store.write_result(p.id, o, Provenance{});
    }
    unfinished_ = pending.back().id;
  }
  void TearDown() override {
    for (const char* ext : {"", "-wal", "-shm"}) std::filesystem::remove(path_ + ext);
  }
  /// Runs fit on the sweep; returns its stderr.
  std::string fit() {
    FitOptions o;
    o.db = path_;
    o.eps = {0.5};
    o.bootstrap = 10;
    testing::internal::CaptureStdout();
    testing::internal::CaptureStderr();
    EXPECT_EQ(run_fit(o), 0);
    testing::internal::GetCapturedStdout();
    return testing::internal::GetCapturedStderr();
  }
  /// The stored fits agree with core::fit_theorem2 on each finished run's own log.
  void expect_stored_fits_of_logs() {
    ResultsStore store(path_, Database::Mode::kReadOnly);
    for (const auto& [run, log] : logs_) {
      const core::Theorem2Summary expected = core::fit_theorem2(log, lr_.at(run));
      const std::vector<Theorem2Row> stored = read_theorem2_fits(store.db(), run);
      ASSERT_EQ(stored.size(), expected.per_k.size()) << "run " << run;
      for (std::size_t j = 0; j < stored.size(); ++j) {
        const core::Theorem2Fit& e = expected.per_k[j];
        const core::Theorem2Fit& f = stored[j].fit;
        EXPECT_EQ(f.k, e.k);
        EXPECT_EQ(f.fitted, e.fitted);
        EXPECT_DOUBLE_EQ(f.c, e.c) << "run " << run << " k " << e.k;
        EXPECT_DOUBLE_EQ(f.r2, e.r2);
        EXPECT_DOUBLE_EQ(f.rmse, e.rmse);
        EXPECT_EQ(f.points, e.points);
        EXPECT_EQ(stored[j].dim, 1);
      }
    }
  }
  std::string path_;
  std::map<std::int64_t, std::vector<core::StepMetrics>> logs_;
  std::map<std::int64_t, double> lr_;
  std::int64_t unfinished_ = 0;
  int without_test_set_ = 0;  ///< finished runs with f = 1
};

TEST_F(FitTheorem2Test, StoresEveryFinishedRunsFitsAndASecondFitReplacesThem) {
  const std::string err = fit();
  EXPECT_NE(err.find("Theorem 2 fits of 3 runs stored (18 potentials)"), std::string::npos)
      << err;
  expect_stored_fits_of_logs();
  {
    ResultsStore store(path_, Database::Mode::kReadOnly);
    EXPECT_TRUE(read_theorem2_fits(store.db(), unfinished_).empty());
    // Runs with f = 1 have no test set, so no f*, but their potentials are fitted.
    ASSERT_GT(without_test_set_, 0);
    EXPECT_EQ(scalar(store.db(), "SELECT count(*) FROM theorem2_fits JOIN runs ON runs.id = "
                                 "theorem2_fits.run_id WHERE runs.test_acc IS NULL"),
              without_test_set_ * 6);
  }

  // Halve one run's logged potentials: a second fit stores that run's new rates in place of
  // the old ones (one row per k, as before).
  const std::int64_t changed = logs_.begin()->first;
  {
    ResultsStore store(path_, Database::Mode::kReadWrite);
    store.db()
        .prepare("UPDATE potentials SET re = re * 0.5 WHERE run_id = ?1")
        .bind(1, changed)
        .run();
  }
  for (core::StepMetrics& m : logs_.at(changed)) {
    for (std::complex<double>& r : *m.rho_kkk) r = {r.real() * 0.5, r.imag()};
  }
  fit();
  expect_stored_fits_of_logs();
  ResultsStore store(path_, Database::Mode::kReadOnly);
  EXPECT_EQ(scalar(store.db(), "SELECT count(*) FROM theorem2_fits"), 3 * 6);
}

TEST_F(FitTest, RejectsBadArguments) {
  FitOptions o;
  o.db = path_;
  o.eps = {1.5};
  EXPECT_THROW(run_fit(o), InputError);
  o.eps = {0.1};
  o.sweep = "nope";
  EXPECT_THROW(run_fit(o), InputError);
}

}  // namespace
}  // namespace symsweep::sweeps
