#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>

#include "symsweep/core/error.hpp"
#include "commands/fit_command.hpp"
#include "spec/spec.hpp"
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
