#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "symsweep/core/error.hpp"
#include "symsweep/core/statistics.hpp"

namespace symsweep::core {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

std::vector<double> random_values(std::size_t n, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> d;
  std::vector<double> v(n);
  for (double& x : v) x = d(rng);
  return v;
}

TEST(Statistics, MedianSplitsTheValuesInHalves) {
  for (std::size_t n = 1; n <= 12; ++n) {
    const std::vector<double> v = random_values(n, static_cast<unsigned>(n));
    const double m = median(v);
    const auto below = std::count_if(v.begin(), v.end(), [&](double x) { return x < m; });
    const auto above = std::count_if(v.begin(), v.end(), [&](double x) { return x > m; });
    EXPECT_EQ(below, above) << n;
    EXPECT_EQ(static_cast<std::size_t>(below + above), n % 2 == 1 ? n - 1 : n) << n;
  }
  EXPECT_DOUBLE_EQ(median({4.0, 1.0, 3.0, 2.0}), 2.5);
  EXPECT_TRUE(std::isnan(median({})));
}

TEST(Statistics, QuantileHitsOrderStatisticsAndInterpolatesBetweenThem) {
  std::vector<double> v = random_values(9, 7);
  std::vector<double> s = v;
  std::sort(s.begin(), s.end());
  for (std::size_t k = 0; k < s.size(); ++k) {
    EXPECT_DOUBLE_EQ(quantile(v, static_cast<double>(k) / 8.0), s[k]) << k;
  }
  // A quarter of the way from s[2] to s[3].
  EXPECT_NEAR(quantile(v, (2.25) / 8.0), s[2] + 0.25 * (s[3] - s[2]), 1e-15);
  // Monotone in q; the median is the 0.5-quantile.
  double last = -kInf;
  for (int i = 0; i <= 100; ++i) {
    const double x = quantile(v, i / 100.0);
    EXPECT_GE(x, last);
    last = x;
  }
  EXPECT_DOUBLE_EQ(quantile(v, 0.5), median(v));
  EXPECT_THROW(quantile(v, 1.5), InputError);
  EXPECT_TRUE(std::isnan(quantile({}, 0.3)));
}

TEST(Statistics, QuantileTouchingAnInfiniteValueReturnsIt) {
  const std::vector<double> s = {-kInf, 0.0, 1.0, kInf};
  EXPECT_EQ(quantile_of_sorted(s, 0.1), -kInf);
  EXPECT_DOUBLE_EQ(quantile_of_sorted(s, 0.5), 0.5);
  EXPECT_EQ(quantile_of_sorted(s, 0.9), kInf);
}

}  // namespace
}  // namespace symsweep::core
