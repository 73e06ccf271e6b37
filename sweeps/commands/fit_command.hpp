#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace symsweep::sweeps {

/// `symsweep fit --db FILE [--sweep NAME] [--eps 0.5,0.2,...] [--bootstrap B] [--format ...]`.
struct FitOptions {
  std::string db;
  std::string sweep;  ///< empty: every sweep in the file
  std::vector<double> eps = {0.5, 0.2, 0.1, 0.05, 0.01};
  int bootstrap = 1000;
  std::int64_t seed = 0;           ///< base of every resampling stream (0: the streams before)
  std::string count = "sampled";   ///< N* as "sampled" pairs or "augmented" training pairs
  std::string format = "table";
  std::string table;    ///< critical_fractions | fits; empty: both (csv on stdout needs one)
  std::string out_dir;  ///< csv only: one file per table here instead of stdout
};

/// Estimates every cell's critical data fractions f*(eps) and fits the scaling laws of
/// docs/scaling-laws.md per stratum (cells that share every setting but the group, augmentation
/// and fraction); in one transaction replaces the rows of `critical_fractions` and `fits` it
/// recomputed (their keys: sweep, cell or stratum, eps, count basis), then prints them (json:
/// one object with both tables; csv: one table, or files in out_dir). Returns the exit code.
int run_fit(const FitOptions& opts);

}  // namespace symsweep::sweeps
