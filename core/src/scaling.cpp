#include "symsweep/core/scaling.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <map>
#include <sstream>
#include <utility>

#include "symsweep/core/error.hpp"
#include "symsweep/core/statistics.hpp"
#include "random.hpp"

// Estimator choices (docs/scaling-laws.md).
//
// f*(eps): at each grid fraction take the median test accuracy over the runs (f* is defined
// on the median over seeds, and a median ignores the odd seed that failed to train), fit a
// non-decreasing step function of log f to those medians by weighted isotonic regression
// (weights = runs per fraction), and cross 1 - eps by linear interpolation in log f between
// the two grid points that bracket it. Isotonic rather than logistic: it assumes nothing about
// the shape of the transition (plateaus below 1, sharp grokking steps), so a cell is never
// mis-estimated because a sigmoid does not fit it; its cost is an interpolation bias of a
// fraction of a grid step, which the law fits see as scatter between cells.
//
// Intervals of f*: the seeds' variability and the grid's resolution together. A percentile
// bootstrap over seeds (resample seeds with replacement, keep all runs of each drawn seed,
// re-estimate) gives, per replicate, the two grid points that bracket its crossing; the
// interval runs from the 2.5 % quantile of the lower bracket points to the 97.5 % quantile of
// the upper ones, and always contains the estimate's own bracket: the curve between two grid
// points is not observed, so f* cannot be placed more finely than its bracket. Censored
// replicates bracket to 0 or +inf.
//
// Laws: ordinary least squares in log N* through a column-pivoting QR. Intervals: wild cluster
// bootstrap-t (Cameron, Gelbach & Miller 2008) with Webb's six-point weights (Webb 2014,
// accurate with few clusters) on leverage-adjusted residuals (HC2), each replicate studentized
// by its cluster-robust standard error. It keeps the design fixed, so a resample never loses a
// group order or an |H| level (a pairs bootstrap over 5 group orders often would), it allows
// the residual scale to differ between cells, and rows of one cell at several eps share one
// weight, so their correlation is kept. The residuals hold both the seed
// noise of f* and any lack of fit of the law, so the intervals include both.

namespace symsweep::core {
namespace {

constexpr std::uint64_t kStreamCritical = 0x5ca1e0001ULL;
constexpr std::uint64_t kStreamLaw = 0x5ca1e0002ULL;
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr int kMinDistinctValues = 3;
constexpr double kMinR2 = 0.9;

std::string format_number(double x) {
  std::ostringstream s;
  s.precision(4);
  s << x;
  return s.str();
}

/// The runs of a cell arranged for resampling: distinct log fractions (ascending) and, per
/// seed, its (grid index, accuracy) pairs.
struct Grid {
  std::vector<double> log_f;
  std::vector<std::vector<std::pair<std::size_t, double>>> by_seed;
};

Grid make_grid(const CellData& cell) {
  const std::size_t rows = cell.fraction.size();
  if (rows == 0) throw InputError("critical fraction: the cell has no runs");
  if (cell.test_acc.size() != rows || cell.seed.size() != rows) {
    throw InputError("critical fraction: fraction, test_acc and seed have lengths " +
                     std::to_string(rows) + ", " + std::to_string(cell.test_acc.size()) + " and " +
                     std::to_string(cell.seed.size()) + "; expected equal lengths");
  }
  for (std::size_t i = 0; i < rows; ++i) {
    const double f = cell.fraction[i], a = cell.test_acc[i];
    if (!(f > 0.0 && f <= 1.0)) {
      throw InputError("critical fraction: fraction " + format_number(f) + " in row " +
                       std::to_string(i) + "; expected a value in (0, 1]");
    }
    if (!(a >= 0.0 && a <= 1.0)) {
      throw InputError("critical fraction: test accuracy " + format_number(a) + " in row " +
                       std::to_string(i) + "; expected a value in [0, 1]");
    }
  }
  Grid grid;
  std::vector<double> sorted = cell.fraction;
  std::sort(sorted.begin(), sorted.end());
  // Fractions read back from a database compare equal exactly; the tolerance only guards
  // against a value that went through a decimal round trip.
  for (double f : sorted) {
    const double x = std::log(f);
    if (grid.log_f.empty() || x - grid.log_f.back() > 1e-9) grid.log_f.push_back(x);
  }
  std::map<std::int64_t, std::size_t> seed_index;
  for (std::size_t i = 0; i < rows; ++i) {
    auto [it, inserted] = seed_index.emplace(cell.seed[i], grid.by_seed.size());
    if (inserted) grid.by_seed.emplace_back();
    const double x = std::log(cell.fraction[i]);
    const auto pos = std::lower_bound(grid.log_f.begin(), grid.log_f.end(), x - 1e-9);
    grid.by_seed[it->second].emplace_back(static_cast<std::size_t>(pos - grid.log_f.begin()),
                                          cell.test_acc[i]);
  }
  return grid;
}

struct Crossing {
  Censoring censoring = Censoring::kNone;
  double log_f = 0.0;      ///< the crossing when not censored
  /// The grid points that bracket the crossing (log f): where the curve could cross for all
  /// the grid can tell. -inf / +inf beyond the grid when censored.
  double bracket_low = 0.0, bracket_high = 0.0;
  double fit_first = 0.0;  ///< monotone fit at the smallest fraction present
  double fit_last = 0.0;   ///< and at the largest
  double f_first = 0.0, f_last = 0.0;
};

/// The crossing of `target` by the isotonic fit to the per-fraction medians of the runs of the
/// seeds drawn `multiplicity[s]` times each.
Crossing crossing(const Grid& grid, const std::vector<int>& multiplicity, double target) {
  std::vector<std::vector<double>> acc(grid.log_f.size());
  for (std::size_t s = 0; s < grid.by_seed.size(); ++s) {
    for (int k = 0; k < multiplicity[s]; ++k) {
      for (const auto& [i, a] : grid.by_seed[s]) acc[i].push_back(a);
    }
  }
  std::vector<double> x, y, w;
  for (std::size_t i = 0; i < acc.size(); ++i) {
    if (acc[i].empty()) continue;  // no drawn seed ran this fraction
    x.push_back(grid.log_f[i]);
    w.push_back(static_cast<double>(acc[i].size()));
    y.push_back(median(acc[i]));
  }
  const std::vector<double> fit = isotonic_regression(y, w);
  Crossing c;
  c.fit_first = fit.front();
  c.fit_last = fit.back();
  c.f_first = std::exp(x.front());
  c.f_last = std::exp(x.back());
  const auto above = std::find_if(fit.begin(), fit.end(), [&](double v) { return v >= target; });
  if (above == fit.begin()) {
    c.censoring = Censoring::kLeft;
    c.bracket_low = -kInf;
    c.bracket_high = x.front();
  } else if (above == fit.end()) {
    c.censoring = Censoring::kRight;
    c.bracket_low = x.back();
    c.bracket_high = kInf;
  } else {
    const auto i = static_cast<std::size_t>(above - fit.begin());
    const double t = (target - fit[i - 1]) / (fit[i] - fit[i - 1]);
    c.log_f = x[i - 1] + t * (x[i] - x[i - 1]);
    // A flat stretch of the fit below the target ends at the last grid point still below it.
    c.bracket_low = x[i - 1];
    c.bracket_high = x[i];
  }
  return c;
}

/// Leverage-adjusted, cluster-robust standard errors of least-squares coefficients P y.
struct RobustScale {
  const Eigen::MatrixXd& pinv;      ///< P = (X^T X)^-1 X^T, p x m
  const Eigen::VectorXd& leverage;  ///< h_i = (X P)_ii
  const Eigen::VectorXi& cluster;   ///< cluster index of each row
  Eigen::Index clusters;

  /// u_i / sqrt(1 - h_i): E[.^2] = sigma^2 for homoscedastic errors (HC2). A row with h_i = 1
  /// has u_i = 0 and stays 0.
  Eigen::VectorXd adjust(const Eigen::VectorXd& resid) const {
    Eigen::VectorXd out(resid.size());
    for (Eigen::Index i = 0; i < resid.size(); ++i) {
      const double room = 1.0 - leverage(i);
      out(i) = room > 1e-10 ? resid(i) / std::sqrt(room) : 0.0;
    }
    return out;
  }
  /// sqrt(sum_g (sum_{i in g} P_ji u~_i)^2) for each coefficient j.
  Eigen::VectorXd standard_errors(const Eigen::VectorXd& adjusted) const {
    Eigen::MatrixXd sums = Eigen::MatrixXd::Zero(pinv.rows(), clusters);
    for (Eigen::Index i = 0; i < adjusted.size(); ++i) {
      sums.col(cluster(i)) += pinv.col(i) * adjusted(i);
    }
    return sums.rowwise().norm();
  }
};

/// Webb's six-point distribution: +-sqrt(1/2), +-1, +-sqrt(3/2), each with probability 1/6.
double webb_weight(Rng& rng) {
  static const double kValues[6] = {-std::sqrt(1.5), -1.0, -std::sqrt(0.5),
                                    std::sqrt(0.5),  1.0,  std::sqrt(1.5)};
  return kValues[rng.below(6)];
}

}  // namespace

std::vector<double> isotonic_regression(const std::vector<double>& y,
                                        const std::vector<double>& weight) {
  if (y.size() != weight.size()) {
    throw InputError("isotonic regression: " + std::to_string(y.size()) + " values and " +
                     std::to_string(weight.size()) + " weights; expected equal lengths");
  }
  struct Block {
    double sum_wy, sum_w;
    std::size_t count;
    double mean() const { return sum_wy / sum_w; }
  };
  std::vector<Block> blocks;
  blocks.reserve(y.size());
  for (std::size_t i = 0; i < y.size(); ++i) {
    if (!(weight[i] > 0.0) || !std::isfinite(weight[i]) || !std::isfinite(y[i])) {
      throw InputError("isotonic regression: value " + format_number(y[i]) + " with weight " +
                       format_number(weight[i]) + "; expected finite values and positive weights");
    }
    blocks.push_back({weight[i] * y[i], weight[i], 1});
    while (blocks.size() >= 2 && blocks[blocks.size() - 2].mean() > blocks.back().mean()) {
      const Block last = blocks.back();
      blocks.pop_back();
      blocks.back().sum_wy += last.sum_wy;
      blocks.back().sum_w += last.sum_w;
      blocks.back().count += last.count;
    }
  }
  std::vector<double> fit;
  fit.reserve(y.size());
  for (const Block& b : blocks) fit.insert(fit.end(), b.count, b.mean());
  return fit;
}

CriticalFraction critical_fraction(const CellData& cell, double eps, int bootstrap,
                                   std::uint64_t seed) {
  if (!(eps > 0.0 && eps < 1.0)) {
    throw InputError("critical fraction: eps = " + format_number(eps) +
                     "; expected a value in (0, 1)");
  }
  if (bootstrap < 0) {
    throw InputError("critical fraction: bootstrap = " + std::to_string(bootstrap) +
                     "; expected a count >= 0");
  }
  const Grid grid = make_grid(cell);
  const double target = 1.0 - eps;
  const std::size_t n_seeds = grid.by_seed.size();

  CriticalFraction out;
  out.eps = eps;
  out.runs = static_cast<int>(cell.fraction.size());
  out.seeds = static_cast<int>(n_seeds);
  out.low = out.high = out.grid_low = out.grid_high = kNaN;

  const Crossing point = crossing(grid, std::vector<int>(n_seeds, 1), target);
  out.censoring = point.censoring;
  if (point.censoring == Censoring::kLeft) {
    out.estimate = kNaN;
    out.reason = "left-censored: the monotone fit is already " + format_number(point.fit_first) +
                 " >= 1 - eps = " + format_number(target) + " at the smallest fraction " +
                 format_number(point.f_first);
    return out;
  }
  if (point.censoring == Censoring::kRight) {
    out.estimate = kNaN;
    out.reason =
        "right-censored: the monotone fit never reaches 1 - eps = " + format_number(target) +
        " (it ends at " + format_number(point.fit_last) + " at fraction " +
        format_number(point.f_last) + ")";
    return out;
  }
  out.estimate = std::exp(point.log_f);
  out.grid_low = std::exp(point.bracket_low);
  out.grid_high = std::exp(point.bracket_high);
  if (bootstrap == 0 || n_seeds < 2) return out;

  // The seeds' variability: which bracket the crossing falls in, over resamples of the seeds.
  // The grid's resolution: within its bracket the crossing can be anywhere (the curve between
  // two grid points is not observed), so each replicate contributes its whole bracket.
  Rng rng(seed, kStreamCritical);
  std::vector<double> lows, highs;
  lows.reserve(static_cast<std::size_t>(bootstrap));
  highs.reserve(static_cast<std::size_t>(bootstrap));
  std::vector<int> multiplicity(n_seeds);
  int censored = 0;
  for (int b = 0; b < bootstrap; ++b) {
    std::fill(multiplicity.begin(), multiplicity.end(), 0);
    for (std::size_t k = 0; k < n_seeds; ++k) ++multiplicity[rng.below(n_seeds)];
    const Crossing c = crossing(grid, multiplicity, target);
    if (c.censoring != Censoring::kNone) ++censored;
    lows.push_back(c.bracket_low);
    highs.push_back(c.bracket_high);
  }
  std::sort(lows.begin(), lows.end());
  std::sort(highs.begin(), highs.end());
  // Never narrower than the estimate's own bracket.
  out.low = std::exp(std::min(quantile_of_sorted(lows, 0.025), point.bracket_low));
  out.high = std::exp(std::max(quantile_of_sorted(highs, 0.975), point.bracket_high));
  out.bootstrap_censored = static_cast<double>(censored) / bootstrap;
  return out;
}

double interpolate_in_log_f(const std::vector<double>& fractions,
                            const std::vector<double>& values, double f) {
  if (fractions.empty() || fractions.size() != values.size()) {
    throw InputError("interpolation: " + std::to_string(fractions.size()) + " fractions and " +
                     std::to_string(values.size()) + " values; expected equal, non-zero lengths");
  }
  if (!(f > 0.0)) {
    throw InputError("interpolation: fraction " + format_number(f) + "; expected a value > 0");
  }
  if (f <= fractions.front()) return values.front();
  if (f >= fractions.back()) return values.back();
  const auto hi = static_cast<std::size_t>(
      std::upper_bound(fractions.begin(), fractions.end(), f) - fractions.begin());
  const std::size_t lo = hi - 1;
  const double t = (std::log(f) - std::log(fractions[lo])) /
                   (std::log(fractions[hi]) - std::log(fractions[lo]));
  return values[lo] + t * (values[hi] - values[lo]);
}

const LawParameter* LawFit::parameter(std::string_view name) const {
  for (const LawParameter& p : parameters) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

LawFit fit_law(const std::vector<CellCritical>& rows, LawModel model, int bootstrap,
               std::uint64_t seed) {
  if (bootstrap < 0) {
    throw InputError("scaling law: bootstrap = " + std::to_string(bootstrap) +
                     "; expected a count >= 0");
  }
  LawFit fit;
  fit.model = model;
  std::vector<const CellCritical*> used;
  for (const CellCritical& r : rows) {
    if (r.n < 2) {
      throw InputError("scaling law: group order n = " + std::to_string(r.n) + " in cell " +
                       std::to_string(r.cell) + "; expected n >= 2");
    }
    if (r.h_order < 1) {
      throw InputError("scaling law: |H| = " + std::to_string(r.h_order) + " in cell " +
                       std::to_string(r.cell) + "; expected |H| >= 1");
    }
    if (r.fstar.censoring == Censoring::kLeft) {
      ++fit.censored_left;
    } else if (r.fstar.censoring == Censoring::kRight) {
      ++fit.censored_right;
    } else {
      if (!(r.fstar.estimate > 0.0 && r.fstar.estimate <= 1.0)) {
        throw InputError("scaling law: f* = " + format_number(r.fstar.estimate) + " in cell " +
                         std::to_string(r.cell) + "; expected a value in (0, 1]");
      }
      if (!(r.count_ratio > 0.0 && std::isfinite(r.count_ratio) && r.count_ratio_low > 0.0 &&
            std::isfinite(r.count_ratio_low) && r.count_ratio_high > 0.0 &&
            std::isfinite(r.count_ratio_high))) {
        throw InputError("scaling law: count ratio " + format_number(r.count_ratio) + " in cell " +
                         std::to_string(r.cell) + "; expected finite values > 0");
      }
      if (!(r.fstar.eps > 0.0 && r.fstar.eps < 1.0)) {
        throw InputError("scaling law: eps = " + format_number(r.fstar.eps) + " in cell " +
                         std::to_string(r.cell) + "; expected a value in (0, 1)");
      }
      used.push_back(&r);
    }
  }
  const auto varies = [&](auto key) {
    for (const CellCritical* r : used) {
      if (key(*r) != key(*used.front())) return true;
    }
    return false;
  };
  const bool fit_alpha =
      model == LawModel::kPower && varies([](const CellCritical& r) { return r.n; });
  const bool fit_gamma = varies([](const CellCritical& r) { return r.h_order; });
  const bool fit_beta = varies([](const CellCritical& r) { return r.fstar.eps; });
  fit.law =
      model == LawModel::kPower ? (fit_alpha ? "N* = C n^alpha" : "N* = C") : "N* = C n ln(n)";
  if (fit_gamma) fit.law += " |H|^-gamma";
  if (fit_beta) fit.law += " eps^-beta";

  const auto m = static_cast<Eigen::Index>(used.size());
  const Eigen::Index p = 1 + fit_alpha + fit_gamma + fit_beta;
  fit.rows = static_cast<int>(m);
  std::map<std::int64_t, Eigen::Index> cluster_of;
  for (const CellCritical* r : used) {
    cluster_of.emplace(r->cell, static_cast<Eigen::Index>(cluster_of.size()));
  }
  fit.cells = static_cast<int>(cluster_of.size());
  if (m < p + 1) {
    fit.reason = std::to_string(m) + " uncensored rows for " + std::to_string(p) +
                 " parameters; need at least " + std::to_string(p + 1);
    return fit;
  }

  Eigen::MatrixXd x(m, p);
  Eigen::VectorXd log_nstar(m), offset(m);
  Eigen::VectorXi cluster(m);
  for (Eigen::Index i = 0; i < m; ++i) {
    const CellCritical& r = *used[static_cast<std::size_t>(i)];
    const double n = r.n;
    log_nstar(i) = std::log(r.fstar.estimate * n * n * r.count_ratio);
    offset(i) = model == LawModel::kNLogN ? std::log(n * std::log(n)) : 0.0;
    cluster(i) = static_cast<int>(cluster_of.at(r.cell));
    Eigen::Index col = 0;
    x(i, col++) = 1.0;
    if (fit_alpha) x(i, col++) = std::log(n);
    if (fit_gamma) x(i, col++) = std::log(static_cast<double>(r.h_order));
    if (fit_beta) x(i, col++) = std::log(r.fstar.eps);
  }
  const Eigen::ColPivHouseholderQR<Eigen::MatrixXd> qr(x);
  if (qr.rank() < p) {
    fit.reason = "the regressors are collinear (e.g. each group order has its own |H|)";
    return fit;
  }
  const Eigen::VectorXd y = log_nstar - offset;
  const Eigen::VectorXd coef = qr.solve(y);
  // Each row's f* interval as a standard deviation in log f (a 95 % interval spans 3.92 sd);
  // 0 where the row has no finite interval.
  Eigen::VectorXd fstar_sd = Eigen::VectorXd::Zero(m);
  for (Eigen::Index i = 0; i < m; ++i) {
    const CellCritical& r = *used[static_cast<std::size_t>(i)];
    const CriticalFraction& f = r.fstar;
    const double low = f.low * r.count_ratio_low, high = f.high * r.count_ratio_high;
    if (low > 0.0 && std::isfinite(high) && high >= low) {
      fstar_sd(i) = std::log(high / low) / 3.92;
    }
  }
  const Eigen::VectorXd resid = y - x * coef;
  fit.rss = resid.squaredNorm();
  const double tss = (log_nstar.array() - log_nstar.mean()).square().sum();
  fit.r2 = tss > 0.0 ? 1.0 - fit.rss / tss : kNaN;
  // k counts the error variance too.
  const auto k = static_cast<double>(p + 1);
  const auto md = static_cast<double>(m);
  fit.aicc = md - k - 1.0 > 0.0 ? md * std::log(std::max(fit.rss / md, 1e-300)) + 2.0 * k +
                                      2.0 * k * (k + 1.0) / (md - k - 1.0)
                                : kNaN;
  fit.fitted = true;
  // When the law is weak: a varied quantity with fewer than three distinct values (two points
  // fix a line whatever the data), or R^2 below 0.9.
  const auto distinct = [&](auto key) {
    std::vector<double> v;
    v.reserve(used.size());
    for (const CellCritical* r : used) v.push_back(static_cast<double>(key(*r)));
    std::sort(v.begin(), v.end());
    return static_cast<int>(std::unique(v.begin(), v.end()) - v.begin());
  };
  const auto few = [&](bool fitted_here, const char* param, const char* what, int count) {
    if (fitted_here && count < kMinDistinctValues) {
      fit.warnings.push_back(std::string(param) + " rests on " + std::to_string(count) +
                             " distinct " + what + " (fewer than " +
                             std::to_string(kMinDistinctValues) + ")");
    }
  };
  few(fit_alpha, "alpha", "group orders", distinct([](const CellCritical& r) { return r.n; }));
  few(fit_gamma, "gamma", "|H| values", distinct([](const CellCritical& r) { return r.h_order; }));
  few(fit_beta, "beta", "eps values", distinct([](const CellCritical& r) { return r.fstar.eps; }));
  if (!(fit.r2 >= kMinR2)) {
    fit.warnings.push_back(std::isnan(fit.r2)
                               ? std::string("R^2 is undefined (N* does not vary)")
                               : "R^2 = " + format_number(fit.r2) + " < " + format_number(kMinR2));
  }

  // Bootstrap-t: y* = X coef + v .* u~ gives coef* = coef + P (v .* u~) with
  // P = (X^T X)^-1 X^T; each replicate is studentized by its own robust standard error, and
  // the interval is coef - [t*_0.975, t*_0.025] se. Studentizing corrects most of the
  // under-coverage a plain percentile interval has with ~20 cells (measured 0.90 -> 0.94).
  std::vector<std::vector<double>> t_star(static_cast<std::size_t>(p));
  Eigen::VectorXd se = Eigen::VectorXd::Zero(p), share = Eigen::VectorXd::Zero(p);
  if (bootstrap > 0) {
    const Eigen::MatrixXd pinv = qr.solve(Eigen::MatrixXd::Identity(m, m));  // p x m
    const Eigen::VectorXd leverage = (x.array() * pinv.transpose().array()).rowwise().sum();
    const auto clusters = static_cast<Eigen::Index>(cluster_of.size());
    const RobustScale scale{pinv, leverage, cluster, clusters};
    const Eigen::VectorXd adjusted = scale.adjust(resid);
    // The f* intervals enter beside the residuals: errors of sd fstar_sd, shared by the rows of
    // one cell (the same runs at several eps), move the coefficients by P e with variance
    // sum_g (sum_{i in g} P_ji sd_i)^2 -- the robust standard error's formula with the sds in
    // place of the residuals. Added in quadrature to the residual scale, so a law whose cells
    // are placed only to within their grid steps gets intervals that say so.
    const Eigen::VectorXd se_resid = scale.standard_errors(adjusted);
    const Eigen::VectorXd se_fstar = scale.standard_errors(fstar_sd);
    se = (se_resid.array().square() + se_fstar.array().square()).sqrt().matrix();
    for (Eigen::Index j = 0; j < p; ++j) {
      share(j) = se(j) > 0.0 ? se_fstar(j) * se_fstar(j) / (se(j) * se(j)) : 0.0;
    }
    Rng rng(seed, kStreamLaw);
    Eigen::VectorXd v(clusters), e(m);
    for (auto& t : t_star) t.reserve(static_cast<std::size_t>(bootstrap));
    for (int b = 0; b < bootstrap; ++b) {
      for (Eigen::Index g = 0; g < clusters; ++g) v(g) = webb_weight(rng);
      for (Eigen::Index i = 0; i < m; ++i) e(i) = v(cluster(i)) * adjusted(i);
      const Eigen::VectorXd delta = pinv * e;
      const Eigen::VectorXd se_b = scale.standard_errors(scale.adjust(e - x * delta));
      for (Eigen::Index j = 0; j < p; ++j) {
        t_star[static_cast<std::size_t>(j)].push_back(se_b(j) > 0.0 ? delta(j) / se_b(j) : 0.0);
      }
    }
    for (auto& t : t_star) std::sort(t.begin(), t.end());
  }
  const auto interval = [&](Eigen::Index col) -> std::pair<double, double> {
    if (bootstrap == 0) return {kNaN, kNaN};
    const std::vector<double>& t = t_star[static_cast<std::size_t>(col)];
    return {coef(col) - quantile_of_sorted(t, 0.975) * se(col), coef(col) - quantile_of_sorted(t, 0.025) * se(col)};
  };
  Eigen::Index col = 0;
  {
    const auto [lo, hi] = interval(col);
    fit.parameters.push_back({"C", std::exp(coef(col)), std::exp(lo), std::exp(hi), share(col)});
    ++col;
  }
  if (fit_alpha) {
    const auto [lo, hi] = interval(col);
    fit.parameters.push_back({"alpha", coef(col), lo, hi, share(col)});
    ++col;
  }
  // gamma and beta enter with a minus sign: the interval flips.
  if (fit_gamma) {
    const auto [lo, hi] = interval(col);
    fit.parameters.push_back({"gamma", -coef(col), -hi, -lo, share(col)});
    ++col;
  }
  if (fit_beta) {
    const auto [lo, hi] = interval(col);
    fit.parameters.push_back({"beta", -coef(col), -hi, -lo, share(col)});
    ++col;
  }
  return fit;
}

ScalingFit fit_scaling_laws(const std::vector<CellCritical>& rows, int bootstrap,
                            std::uint64_t seed) {
  ScalingFit out;
  out.power = fit_law(rows, LawModel::kPower, bootstrap, seed);
  out.n_log_n = fit_law(rows, LawModel::kNLogN, bootstrap, seed);
  if (out.power.fitted && out.n_log_n.fitted && out.power.parameter("alpha") != nullptr &&
      std::isfinite(out.power.aicc) && std::isfinite(out.n_log_n.aicc)) {
    out.preferred = out.power.aicc <= out.n_log_n.aicc ? "power" : "n_log_n";
  }
  return out;
}

}  // namespace symsweep::core
