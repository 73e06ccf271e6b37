#pragma once

#include <string>
#include <vector>

namespace symsweep::sweeps {

/// `symsweep fit --db FILE [--sweep NAME] [--eps 0.5,0.2,...] [--bootstrap B] [--format ...]`.
struct FitOptions {
  std::string db;
  std::string sweep;  ///< empty: every sweep in the file
  std::vector<double> eps = {0.5, 0.2, 0.1, 0.05, 0.01};
  int bootstrap = 1000;
  std::string format = "table";
};

/// Estimates every cell's critical data fractions f*(eps) and fits the scaling laws of
/// docs/scaling-laws.md per stratum (cells that share every setting but the group, augmentation
/// and fraction), replaces the sweep's rows of `critical_fractions` and `fits` in one
/// transaction, and prints both. Returns the exit code.
int run_fit(const FitOptions& opts);

}  // namespace symsweep::sweeps
