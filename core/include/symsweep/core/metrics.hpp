#pragma once

// What one logged step measures (core/fields.hpp lists the fields for every representation).

#include <complex>
#include <optional>
#include <vector>

#include "symsweep/core/diagnostics.hpp"

namespace symsweep::core {

/// The monomial potentials of one non-trivial irrep tau (docs/potentials.md), logged once per
/// complex-conjugate pair.
struct IrrepValue {
  int index = 0;      ///< position in the group's IrrepSet (0 is the trivial irrep)
  int dim = 1;        ///< d_tau
  int indicator = 1;  ///< Frobenius-Schur indicator: +1 real, 0 complex, -1 quaternionic
  double rho = 0.0;   ///< rho_tau = Re E tr(B A C) / d_tau, target 1
  double gap = 0.0;   ///< ||M_tau - I_tau||_F / d_tau^(3/2), target 0
  bool operator==(const IrrepValue&) const = default;
};

/// Everything measured at one logged step (docs/). Optional values are null where they
/// do not exist (no test set; MPs of a group without characters).
struct StepMetrics {
  std::int64_t step = 0;
  double train_loss = 0.0, train_acc = 0.0;
  std::optional<double> test_loss, test_acc;
  double full_loss = 0.0;  ///< mean loss over all n^2 pairs
  /// Abelian groups with closed-form characters: rho_kkk, k = 1..n-1.
  std::optional<std::vector<std::complex<double>>> rho_kkk;
  /// Groups without closed-form characters (every non-abelian group): per-irrep MPs.
  std::optional<std::vector<IrrepValue>> irreps;
  /// max_offtarget_mp and frequencies_per_neuron: character groups only; binary_gap: both
  /// (max_tau gap_tau for irreps).
  std::optional<double> max_offtarget_mp, binary_gap, frequencies_per_neuron;
  /// Irrep groups: L_full/n - sum_tau ||M_tau - I_tau||^2 / d_tau (target 0), and the mean share
  /// of a neuron's Fourier energy on its largest irrep (1: every neuron uses one irrep).
  std::optional<double> off_target_energy, irrep_concentration;
  double effective_dim = 0.0;
  Drift drift;
  /// Steps that measured the Hessian's spectrum (TrainConfig::spectrum_every, hessian.hpp): the
  /// negative and the large eigenvalues counted among spectrum_k at each end, the largest and the
  /// smallest eigenvalue.
  std::optional<double> hessian_negative, hessian_large, hessian_max, hessian_min;
  /// The same steps, over the whole spectrum by stochastic Lanczos quadrature
  /// (SpectralDensity): the estimated counts beyond the cut with their standard errors, and the
  /// effective dimension.
  std::optional<double> hessian_negative_est, hessian_negative_se, hessian_large_est,
      hessian_large_se, hessian_eff_dim;
  // The fields travel through core/fields.hpp's visit_step_scalars / visit_step_vectors: a new
  // field goes there too.
  bool operator==(const StepMetrics&) const = default;
};

}  // namespace symsweep::core
