#pragma once

// Order statistics shared by the fits, the report and the benchmarks.

#include <vector>

namespace symsweep::core {

/// The median of `v` (the mean of the two middle values when the count is even); NaN when `v`
/// is empty. NaN entries are not allowed (their order is undefined).
double median(std::vector<double> v);

/// The q-quantile (0 <= q <= 1) of values sorted ascending, by linear interpolation between
/// order statistics (type 7 of Hyndman and Fan: numpy's and R's default). The values may hold
/// -inf / +inf: an interpolation that touches an infinite value returns it. NaN when empty.
double quantile_of_sorted(const std::vector<double>& sorted, double q);

/// quantile_of_sorted of `v` after sorting it.
double quantile(std::vector<double> v, double q);

}  // namespace symsweep::core
