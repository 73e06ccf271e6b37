#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <limits>
#include <vector>

#include "symsweep/core/error.hpp"
#include "random.hpp"
#include "symsweep/core/theorem2.hpp"

namespace symsweep::core {
namespace {

constexpr double kEta = 3e-3;
constexpr int kSteps = 3000;
constexpr int kLogEvery = 100;

/// Logged times t = eta * step of a run of kSteps steps, logged every kLogEvery.
std::vector<double> logged_times() {
  std::vector<double> t;
  for (int s = 0; s <= kSteps; s += kLogEvery) t.push_back(kEta * s);
  return t;
}

std::vector<double> saturation(const std::vector<double>& t, double c) {
  std::vector<double> y;
  for (double ti : t) y.push_back(1.0 - std::exp(-c * ti));
  return y;
}

class NoiseFree : public ::testing::TestWithParam<double> {};

// C from barely rising within the log (C t_max = 0.45) to saturated in the first tenth (45).
INSTANTIATE_TEST_SUITE_P(Rates, NoiseFree, ::testing::Values(0.05, 0.4, 1.7, 5.0));

TEST_P(NoiseFree, RecoversCExactly) {
  const double c = GetParam();
  const std::vector<double> t = logged_times();
  const Theorem2Fit f = fit_theorem2_curve(t, saturation(t, c), 3);
  ASSERT_TRUE(f.fitted) << f.reason;
  EXPECT_EQ(f.k, 3);
  EXPECT_EQ(f.points, static_cast<int>(t.size()));
  EXPECT_NEAR(f.c, c, 1e-8 * c);
  EXPECT_GT(f.r2, 1.0 - 1e-12);
  EXPECT_LT(f.rmse, 1e-9);
}

TEST(Theorem2, PerFrequencyFromARunLog) {
  // rho_kkk(t) = 1 - exp(-C_k t) with C_k = 0.3 + 0.25 k, k = 1..10, and a small imaginary part
  // that the fit must ignore (it uses Re rho_kkk).
  std::vector<StepMetrics> log;
  for (int s = 0; s <= kSteps; s += kLogEvery) {
    StepMetrics m;
    m.step = s;
    std::vector<std::complex<double>> rho;
    for (int k = 1; k <= 10; ++k) {
      rho.emplace_back(1.0 - std::exp(-(0.3 + 0.25 * k) * kEta * s), 0.01 * k);
    }
    m.rho_kkk = rho;
    log.push_back(m);
  }
  StepMetrics no_mps;  // a step without MPs (e.g. a non-abelian group) is skipped
  no_mps.step = kSteps + 1;
  log.push_back(no_mps);

  const Theorem2Summary s = fit_theorem2(log, kEta);
  ASSERT_EQ(s.per_k.size(), 10u);
  EXPECT_EQ(s.fitted, 10);
  for (int k = 1; k <= 10; ++k) {
    const Theorem2Fit& f = s.per_k[static_cast<std::size_t>(k - 1)];
    EXPECT_EQ(f.k, k);
    EXPECT_NEAR(f.c, 0.3 + 0.25 * k, 1e-8);
  }
  // Median of C_k over k = 1..10: the mean of C_5 and C_6.
  EXPECT_NEAR(s.median_c, 0.3 + 0.25 * 5.5, 1e-8);
  EXPECT_GT(s.min_r2, 1.0 - 1e-12);

  const Theorem2Summary none = fit_theorem2(std::vector<StepMetrics>(3), kEta);
  EXPECT_TRUE(none.per_k.empty());
  EXPECT_EQ(none.fitted, 0);
  EXPECT_TRUE(std::isnan(none.median_c));
}

TEST(Theorem2, SummaryOfStoredFitsEqualsTheFitsOwn) {
  // The report summarises fits read back from the database: the same numbers as the fit's.
  const std::vector<double> t = logged_times();
  Eigen::MatrixXd rho(static_cast<Eigen::Index>(t.size()), 4);
  const std::vector<double> cs = {0.2, 1.1, 0.7, 3.0};
  for (Eigen::Index j = 0; j < 4; ++j) {
    const std::vector<double> y = saturation(t, cs[static_cast<std::size_t>(j)]);
    for (Eigen::Index i = 0; i < rho.rows(); ++i) rho(i, j) = y[static_cast<std::size_t>(i)];
  }
  rho.col(3).setConstant(std::numeric_limits<double>::quiet_NaN());  // k = 4: not fitted
  const Theorem2Summary fitted = fit_theorem2(t, {1, 2, 3, 4}, rho);
  ASSERT_EQ(fitted.fitted, 3);
  const Theorem2Summary again = summarize_theorem2(fitted.per_k);
  EXPECT_EQ(again.per_k.size(), 4u);
  EXPECT_EQ(again.fitted, 3);
  EXPECT_DOUBLE_EQ(again.median_c, fitted.median_c);
  EXPECT_NEAR(again.median_c, 0.7, 1e-8);  // the unfitted k = 4 does not count
  EXPECT_DOUBLE_EQ(again.median_r2, fitted.median_r2);
  EXPECT_DOUBLE_EQ(again.min_r2, fitted.min_r2);
  EXPECT_TRUE(std::isnan(summarize_theorem2({}).median_c));
}

TEST(Theorem2, NoisyCurvesWithinTolerance) {
  // Gaussian noise of sd 0.02 on 31 samples: C is determined to a few per cent.
  const std::vector<double> t = logged_times();
  Rng rng(7, 1);
  for (const double c : {0.3, 1.0, 2.5}) {
    for (int rep = 0; rep < 20; ++rep) {
      std::vector<double> y = saturation(t, c);
      for (double& v : y) v += 0.02 * rng.normal();
      const Theorem2Fit f = fit_theorem2_curve(t, y);
      ASSERT_TRUE(f.fitted);
      EXPECT_NEAR(f.c, c, 0.08 * c) << "C = " << c << ", replicate " << rep;
      EXPECT_GT(f.r2, 0.97);
      EXPECT_NEAR(f.rmse, 0.02, 0.01);
    }
  }
}

TEST(Theorem2, ADelayedSigmoidFitsClearlyWorse) {
  // The shape real AdamW runs show: nothing for a while, then a fast rise (a sigmoid in t
  // centred at a third of the run). Its best 1 - exp(-C t) is a poor description.
  const std::vector<double> t = logged_times();
  std::vector<double> sigmoid;
  for (double ti : t) sigmoid.push_back(1.0 / (1.0 + std::exp(-(ti - 3.0) / 0.4)));
  const Theorem2Fit bad = fit_theorem2_curve(t, sigmoid);
  ASSERT_TRUE(bad.fitted);
  std::vector<double> good = saturation(t, 0.7);
  Rng rng(3, 2);
  for (double& v : good) v += 0.02 * rng.normal();
  const Theorem2Fit ok = fit_theorem2_curve(t, good);
  ASSERT_TRUE(ok.fitted);
  EXPECT_GT(ok.r2, 0.98);
  EXPECT_LT(bad.r2, 0.9);
  EXPECT_GT(ok.r2 - bad.r2, 0.08);
  EXPECT_GT(bad.rmse, 3.0 * ok.rmse);
}

TEST(Theorem2, MissingSamplesAndTooFewPoints) {
  std::vector<double> t = logged_times();
  std::vector<double> y = saturation(t, 1.2);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  y[4] = nan;
  y[9] = std::numeric_limits<double>::infinity();
  const Theorem2Fit f = fit_theorem2_curve(t, y);
  ASSERT_TRUE(f.fitted);
  EXPECT_EQ(f.points, static_cast<int>(t.size()) - 2);
  EXPECT_NEAR(f.c, 1.2, 1e-8);

  const Theorem2Fit few = fit_theorem2_curve({0.0, 1.0, 2.0}, {0.0, 0.5, nan});
  EXPECT_FALSE(few.fitted);
  EXPECT_FALSE(few.reason.empty());
  EXPECT_TRUE(std::isnan(few.c));

  // A constant curve has no variance to explain: R^2 is undefined, C still the best fit.
  const Theorem2Fit flat = fit_theorem2_curve({0.0, 1.0, 2.0, 3.0}, {1.0, 1.0, 1.0, 1.0});
  EXPECT_TRUE(std::isnan(flat.r2));
}

TEST(Theorem2, RejectsMalformedInput) {
  EXPECT_THROW(fit_theorem2_curve({0.0, 1.0}, {0.0}), InputError);
  EXPECT_THROW(fit_theorem2_curve({-1.0, 1.0}, {0.0, 0.5}), InputError);
  const Eigen::MatrixXd rho = Eigen::MatrixXd::Zero(3, 2);
  EXPECT_THROW(fit_theorem2({0.0, 1.0}, {1, 2}, rho), InputError);
  EXPECT_THROW(fit_theorem2({0.0, 1.0, 2.0}, {1}, rho), InputError);
}

}  // namespace
}  // namespace symsweep::core
