#include "symsweep/core/theorem2.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>
#include <unsupported/Eigen/NonLinearOptimization>

#include "symsweep/core/error.hpp"
#include "symsweep/core/statistics.hpp"

namespace symsweep::core {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// exp(-c tau) is evaluated with its exponent capped here, so that a trial step of the optimiser
// towards a large negative C gives a huge residual instead of an overflow.
constexpr double kMaxExponent = 700.0;

/// Residuals r_i = 1 - exp(-c tau_i) - y_i of the one-parameter model in scaled time
/// tau = t / t_max (so that c = C t_max is of order one for curves that rise inside the log).
struct SaturationResiduals {
  const Eigen::VectorXd& tau;
  const Eigen::VectorXd& y;

  int values() const { return static_cast<int>(y.size()); }

  int operator()(const Eigen::VectorXd& c, Eigen::VectorXd& r) const {
    r = (1.0 - (-c(0) * tau.array()).min(kMaxExponent).exp() - y.array()).matrix();
    return 0;
  }
  int df(const Eigen::VectorXd& c, Eigen::MatrixXd& jac) const {
    jac.col(0) = (tau.array() * (-c(0) * tau.array()).min(kMaxExponent).exp()).matrix();
    return 0;
  }
};

/// Log-linear guess: -ln(1 - y) = c tau through the origin, weighted by (1 - y)^2 (the inverse
/// variance of -ln(1 - y) when y carries noise of constant size).
double initial_guess(const Eigen::VectorXd& tau, const Eigen::VectorXd& y) {
  double num = 0.0, den = 0.0;
  for (Eigen::Index i = 0; i < y.size(); ++i) {
    if (tau(i) <= 0.0 || !(y(i) > 0.0 && y(i) < 1.0 - 1e-12)) continue;
    const double w = (1.0 - y(i)) * (1.0 - y(i));
    num += w * tau(i) * -std::log1p(-y(i));
    den += w * tau(i) * tau(i);
  }
  return den > 0.0 && num > 0.0 ? num / den : 1.0;
}

}  // namespace

Theorem2Fit fit_theorem2_curve(const std::vector<double>& t, const std::vector<double>& y, int k) {
  if (t.size() != y.size()) {
    throw InputError("theorem 2 fit: " + std::to_string(t.size()) + " times but " +
                     std::to_string(y.size()) + " values; expected equal lengths");
  }
  Theorem2Fit fit;
  fit.k = k;
  fit.c = fit.r2 = fit.rmse = kNaN;
  std::vector<double> tt, yy;
  double t_max = 0.0;
  int positive = 0;
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (t[i] < 0.0) {
      throw InputError("theorem 2 fit: time t = " + std::to_string(t[i]) +
                       "; expected t = eta * step >= 0");
    }
    if (!std::isfinite(t[i]) || !std::isfinite(y[i])) continue;
    tt.push_back(t[i]);
    yy.push_back(y[i]);
    t_max = std::max(t_max, t[i]);
    if (t[i] > 0.0) ++positive;
  }
  fit.points = static_cast<int>(tt.size());
  if (positive < 2) {
    fit.reason = std::to_string(positive) + " finite samples at t > 0; need at least 2";
    return fit;
  }
  const auto m = static_cast<Eigen::Index>(tt.size());
  const Eigen::VectorXd tau = Eigen::Map<const Eigen::VectorXd>(tt.data(), m) / t_max;
  const Eigen::VectorXd yv = Eigen::Map<const Eigen::VectorXd>(yy.data(), m);

  SaturationResiduals residuals{tau, yv};
  // RSS(c) of a curve that is not of this form may have several local minima: start the
  // optimiser from the log-linear guess and from a few scales, and keep the best.
  double best_c = kNaN, best_rss = std::numeric_limits<double>::infinity();
  for (const double start : {initial_guess(tau, yv), 0.3, 3.0, 30.0}) {
    Eigen::VectorXd c(1);
    c(0) = start;
    Eigen::LevenbergMarquardt<SaturationResiduals, double> lm(residuals);
    lm.parameters.ftol = 1e-15;
    lm.parameters.xtol = 1e-15;
    lm.parameters.maxfev = 500;
    lm.minimize(c);
    Eigen::VectorXd r(m);
    residuals(c, r);
    const double rss = r.squaredNorm();
    if (std::isfinite(c(0)) && std::isfinite(rss) && rss < best_rss) {
      best_rss = rss;
      best_c = c(0);
    }
  }
  if (!std::isfinite(best_c)) {
    fit.reason = "the optimiser did not reach a finite C";
    return fit;
  }
  fit.fitted = true;
  fit.c = best_c / t_max;
  fit.rmse = std::sqrt(best_rss / static_cast<double>(m));
  const double tss = (yv.array() - yv.mean()).square().sum();
  fit.r2 = tss > 0.0 ? 1.0 - best_rss / tss : kNaN;
  return fit;
}

Theorem2Summary summarize_theorem2(std::vector<Theorem2Fit> per_k) {
  Theorem2Summary out;
  std::vector<double> cs, r2s;
  for (const Theorem2Fit& f : per_k) {
    if (!f.fitted) continue;
    ++out.fitted;
    cs.push_back(f.c);
    if (std::isfinite(f.r2)) r2s.push_back(f.r2);
  }
  out.per_k = std::move(per_k);
  out.median_c = median(cs);
  out.median_r2 = median(r2s);
  out.min_r2 = r2s.empty() ? kNaN : *std::min_element(r2s.begin(), r2s.end());
  return out;
}

Theorem2Summary fit_theorem2(const std::vector<double>& t, const std::vector<int>& ks,
                             const Eigen::Ref<const Eigen::MatrixXd>& rho_re) {
  if (rho_re.rows() != static_cast<Eigen::Index>(t.size()) ||
      rho_re.cols() != static_cast<Eigen::Index>(ks.size())) {
    throw InputError("theorem 2 fit: rho is " + std::to_string(rho_re.rows()) + " x " +
                     std::to_string(rho_re.cols()) + "; expected " + std::to_string(t.size()) +
                     " times x " + std::to_string(ks.size()) + " frequencies");
  }
  std::vector<Theorem2Fit> per_k;
  std::vector<double> y(t.size());
  for (Eigen::Index j = 0; j < rho_re.cols(); ++j) {
    for (Eigen::Index i = 0; i < rho_re.rows(); ++i) y[static_cast<std::size_t>(i)] = rho_re(i, j);
    per_k.push_back(fit_theorem2_curve(t, y, ks[static_cast<std::size_t>(j)]));
  }
  return summarize_theorem2(std::move(per_k));
}

Theorem2Summary fit_theorem2(const std::vector<StepMetrics>& log, double eta) {
  std::vector<const StepMetrics*> rows;
  std::size_t freqs = 0;
  for (const StepMetrics& m : log) {
    if (!m.rho_kkk) continue;
    rows.push_back(&m);
    freqs = std::max(freqs, m.rho_kkk->size());
  }
  std::vector<double> t;
  Eigen::MatrixXd rho = Eigen::MatrixXd::Constant(static_cast<Eigen::Index>(rows.size()),
                                                  static_cast<Eigen::Index>(freqs), kNaN);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    t.push_back(eta * static_cast<double>(rows[i]->step));
    const auto& r = *rows[i]->rho_kkk;
    for (std::size_t j = 0; j < r.size(); ++j) {
      rho(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = r[j].real();
    }
  }
  std::vector<int> ks(freqs);
  for (std::size_t j = 0; j < freqs; ++j) ks[j] = static_cast<int>(j + 1);
  return fit_theorem2(t, ks, rho);
}

}  // namespace symsweep::core
