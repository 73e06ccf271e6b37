#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace symsweep::core {

/// The finished runs of one cell (docs/scaling-laws.md): runs that share every config value except
/// the training fraction and the seed. Row i is one run; the three vectors have equal length.
/// `fraction` is in (0, 1], `test_acc` in [0, 1]; runs of one seed at several fractions share
/// the seed value (the bootstrap resamples seeds, not rows).
struct CellData {
  std::vector<double> fraction;
  std::vector<double> test_acc;
  std::vector<std::int64_t> seed;
};

/// Whether the fraction grid of a cell brackets the crossing of 1 - eps.
enum class Censoring {
  kNone,   ///< crossed inside the grid: f* is a number
  kLeft,   ///< the monotone fit is already >= 1 - eps at the smallest fraction
  kRight,  ///< the monotone fit never reaches 1 - eps up to the largest fraction
};

/// The critical data fraction f*(eps) of one cell: the fraction at which the median-over-seeds
/// test accuracy, made monotone in log f, first reaches 1 - eps.
struct CriticalFraction {
  double eps = 0.0;
  Censoring censoring = Censoring::kNone;
  std::string reason;     ///< one line when censored, empty otherwise
  double estimate = 0.0;  ///< f* (a fraction of the n^2 pairs); NaN when censored
  /// 95 % interval of the seeds' variability and the grid's resolution together: from the
  /// 2.5 % quantile of the lower grid points that bracket each seed-bootstrap replicate's
  /// crossing to the 97.5 % quantile of the upper ones, and never narrower than the estimate's
  /// own bracket (grid_low, grid_high). NaN when censored, with fewer than two seeds or no
  /// bootstrap; low = 0 (high = +inf) when more than 2.5 % of the replicates are left-
  /// (right-) censored, i.e. the interval leaves the grid.
  double low = 0.0, high = 0.0;
  /// The grid fractions that bracket the estimate (its crossing lies between them); NaN when
  /// censored.
  double grid_low = 0.0, grid_high = 0.0;
  double bootstrap_censored = 0.0;  ///< share of bootstrap replicates that were censored
  int runs = 0;                     ///< rows of the cell
  int seeds = 0;                    ///< distinct seeds
};

/// f*(eps) of one cell with a percentile bootstrap over its seeds (`bootstrap` replicates,
/// 0 for none). `seed` picks the resampling stream: pass a per-cell value (e.g. a hash of the
/// cell key) so results do not depend on the order cells are visited. Throws InputError on an
/// empty cell, unequal lengths, a fraction outside (0, 1], an accuracy outside [0, 1], eps
/// outside (0, 1) or a negative bootstrap count.
CriticalFraction critical_fraction(const CellData& cell, double eps, int bootstrap,
                                   std::uint64_t seed);

/// Weighted least-squares non-decreasing fit of `y` (pool-adjacent-violators). `weight` has
/// the length of `y` and positive entries; returns the fitted values, one per entry of `y`.
std::vector<double> isotonic_regression(const std::vector<double>& y,
                                        const std::vector<double>& weight);

/// One row of a scaling-law fit: the f*(eps) of one cell together with its group order n and
/// augmentation order |H|. Rows with equal `cell` (the same runs at several eps) are resampled
/// together by the bootstrap.
struct CellCritical {
  std::int64_t cell = 0;
  int n = 0;        ///< group order, >= 2
  int h_order = 1;  ///< |H|, >= 1
  CriticalFraction fstar;
  /// The count N* the law is fitted against, per sampled pair: N* = f* n^2 count_ratio, and
  /// at the ends of the f* interval f n^2 count_ratio_low / _high. 1 for the sampled count;
  /// the training set's growth by augmentation for the augmented one. Finite and > 0.
  double count_ratio = 1.0, count_ratio_low = 1.0, count_ratio_high = 1.0;
};

/// `value` at fraction `f`, interpolated linearly in log f between the two points of
/// (`fractions`, `values`) that bracket f, and held at the end values outside them.
/// `fractions` is ascending, positive and as long as `values` (non-empty); f > 0.
double interpolate_in_log_f(const std::vector<double>& fractions,
                            const std::vector<double>& values, double f);

/// The two n-dependences of docs/scaling-laws.md, both times |H|^-gamma eps^-beta when those vary.
enum class LawModel {
  kPower,  ///< N* = C n^alpha |H|^-gamma eps^-beta
  kNLogN,  ///< N* = C n ln(n) |H|^-gamma eps^-beta
};

/// One fitted parameter with its 95 % interval (see fit_law).
struct LawParameter {
  std::string name;  ///< "C", "alpha", "gamma" or "beta"
  double estimate = 0.0, low = 0.0, high = 0.0;
  /// The share of the interval's variance that comes from the cells' f* intervals (the rest is
  /// the scatter of the cells about the law); 0 when the rows carry no f* interval.
  double fstar_share = 0.0;
};

/// A least-squares fit of log N* = log(f* n^2 count_ratio) over the uncensored rows.
struct LawFit {
  LawModel model = LawModel::kPower;
  std::string law;  ///< the formula, e.g. "N* = C n^alpha |H|^-gamma"
  bool fitted = false;
  std::string reason;  ///< why not fitted (too few cells, collinear regressors); empty if fitted
  std::vector<LawParameter> parameters;  ///< C first, then alpha / gamma / beta when they vary
  double r2 = 0.0;    ///< 1 - RSS / TSS of log N* about its mean (same TSS for both models)
  double rss = 0.0;   ///< residual sum of squares in log N*
  double aicc = 0.0;  ///< small-sample AIC (Gaussian errors); NaN when rows <= parameters + 2
  int rows = 0;       ///< (cell, eps) rows used
  int cells = 0;      ///< distinct cells used
  int censored_left = 0, censored_right = 0;  ///< rows excluded as censored
  /// Why the fitted law is weak, one line each: a varied quantity (n, |H|, eps) with fewer than
  /// 3 distinct values, or R^2 below 0.9 (or undefined). Empty for a law the data support.
  std::vector<std::string> warnings;
  bool weak() const { return !warnings.empty(); }

  /// The parameter called `name`, or nullptr when the law does not have it.
  const LawParameter* parameter(std::string_view name) const;
};

/// Fits one law to the uncensored rows, with a wild cluster bootstrap (`bootstrap` replicates,
/// stream `seed`) for the intervals; the rows' f* intervals (where they have finite ones) add
/// their own variance to each parameter's (docs/scaling-laws.md). A law that cannot be fitted
/// comes back with fitted = false and a reason; a weak one with warnings. Throws InputError on n < 2, |H| < 1 or an uncensored f* outside (0, 1].
LawFit fit_law(const std::vector<CellCritical>& rows, LawModel model, int bootstrap,
               std::uint64_t seed);

/// Both laws on the same rows and the one the data prefer.
struct ScalingFit {
  LawFit power;
  LawFit n_log_n;
  /// "power" or "n_log_n" by the lower AICc (the power law pays for its extra exponent), or
  /// empty when either is not fitted, n does not vary or AICc is undefined.
  std::string preferred;
};

/// fit_law for both models on the same rows (the rows of one stratum: one width, optimiser
/// ..., since C differs between strata).
ScalingFit fit_scaling_laws(const std::vector<CellCritical>& rows, int bootstrap,
                            std::uint64_t seed);

}  // namespace symsweep::core
