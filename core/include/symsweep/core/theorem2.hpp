#pragma once

#include <Eigen/Dense>
#include <cstdint>
#include <string>
#include <vector>

#include "symsweep/core/train.hpp"

namespace symsweep::core {

/// Theorem 2 of the paper (docs/potentials.md): from z ~ N(0, I) and under its equivariance
/// assumptions, rho_kkk(t) = 1 - exp(-C_k t) with t = eta * step. The fits below measure how far
/// a run is from that regime: C_k per frequency and the R^2 of the fitted curve.

/// The fit of rho(t) = 1 - exp(-C t) to one frequency's samples.
struct Theorem2Fit {
  int k = 0;            ///< the frequency's index (as logged: 1..K for the nonzero k)
  bool fitted = false;  ///< false: too few finite samples (see reason); c and r2 are NaN
  std::string reason;   ///< one line when not fitted, empty otherwise
  double c = 0.0;       ///< C, in 1 / time units of t (t = eta * step)
  double r2 = 0.0;      ///< 1 - RSS / TSS of rho about its mean; NaN when rho is constant
  double rmse = 0.0;    ///< sqrt(RSS / points)
  int points = 0;       ///< finite samples used
};

/// Every frequency of a run, and the summary the report prints.
struct Theorem2Summary {
  std::vector<Theorem2Fit> per_k;  ///< in the order of the input's columns
  int fitted = 0;                  ///< frequencies with fitted = true
  double median_c = 0.0;           ///< median of C over the fitted frequencies (NaN if none)
  double min_r2 = 0.0;     ///< smallest finite R^2 over the fitted frequencies (NaN if none)
  double median_r2 = 0.0;  ///< median finite R^2 over the fitted frequencies (NaN if none)
};

/// Least-squares fit of y = 1 - exp(-C t) by Levenberg-Marquardt (Eigen's unsupported
/// NonLinearOptimization module, analytic Jacobian) from a log-linear initial guess. `t` and
/// `y` have equal length; non-finite samples are skipped; at least two samples with t > 0 are
/// needed. Throws InputError on unequal lengths or a negative time.
Theorem2Fit fit_theorem2_curve(const std::vector<double>& t, const std::vector<double>& y,
                               int k = 0);

/// The summary of fits made earlier (e.g. read back from a results database): per_k as given,
/// the count of fitted ones, the median C and the median and smallest finite R^2 over them.
Theorem2Summary summarize_theorem2(std::vector<Theorem2Fit> per_k);

/// One fit per column of `rho_re` (rows: the logged times `t`, columns: the frequencies `ks`;
/// NaN marks a missing sample) and their summary. Throws InputError on mismatched shapes.
Theorem2Summary fit_theorem2(const std::vector<double>& t, const std::vector<int>& ks,
                             const Eigen::Ref<const Eigen::MatrixXd>& rho_re);

/// The same from a run's log (t = eta * step, Re rho_kkk of each logged step, frequencies
/// 1..K). Steps without rho_kkk are skipped; a log without any gives an empty summary.
Theorem2Summary fit_theorem2(const std::vector<StepMetrics>& log, double eta);

}  // namespace symsweep::core
