#include "symsweep/core/statistics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "symsweep/core/error.hpp"

namespace symsweep::core {

double median(std::vector<double> v) {
  if (v.empty()) return std::numeric_limits<double>::quiet_NaN();
  std::sort(v.begin(), v.end());
  const std::size_t m = v.size() / 2;
  return v.size() % 2 == 1 ? v[m] : 0.5 * (v[m - 1] + v[m]);
}

double quantile_of_sorted(const std::vector<double>& sorted, double q) {
  if (!(q >= 0.0 && q <= 1.0)) throw InputError("quantile: q must lie in [0, 1]");
  if (sorted.empty()) return std::numeric_limits<double>::quiet_NaN();
  const double h = q * static_cast<double>(sorted.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(h));
  const double frac = h - static_cast<double>(lo);
  if (frac == 0.0 || lo + 1 >= sorted.size()) return sorted[lo];
  const double a = sorted[lo], b = sorted[lo + 1];
  if (std::isinf(a)) return a;
  if (std::isinf(b)) return b;
  return a + frac * (b - a);
}

double quantile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  return quantile_of_sorted(v, q);
}

}  // namespace symsweep::core
