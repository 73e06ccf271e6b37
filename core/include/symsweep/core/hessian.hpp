#pragma once

// The second variation of the training loss at the current particles (docs/model.md, "The
// Hessian spectrum"): exact Hessian-vector products in closed form and the extreme eigenvalues
// by Lanczos (Spectra), both collective over a team like every other sum.

#include <Eigen/Core>
#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "symsweep/core/data.hpp"
#include "symsweep/core/model.hpp"
#include "symsweep/core/reducer.hpp"

namespace symsweep::core {

/// Collective on the reducer: out = (d^2 H / d z^2) v for the training loss H of `head` on
/// `train` (the mean over the samples, as loss_and_gradient), v and out in the layout of the
/// local particles (rows of a, b, c). Exact: the Gauss-Newton term and the second derivatives
/// of the outputs, chunked over the pairs as loss_and_gradient.
void hessian_vector_product(const Particles<double>& p, const Samples& train, Reducer& reducer,
                            const Head& head, const Gradient<double>& v, Gradient<double>& out);

/// What a spectrum measures (TrainConfig: spectrum_every, spectrum_k).
struct SpectrumOptions {
  int k = 8;                ///< eigenvalues at each end
  double threshold = 1e-3;  ///< "large": |lambda| > threshold * max |lambda|
  double tolerance = 1e-6;  ///< Lanczos' tolerance, relative to the spectrum's scale
  int max_iterations = 2000;
  /// The whole spectrum's density by stochastic Lanczos quadrature (Hutchinson probes, each a
  /// Lanczos run of `quadrature_steps` products with full reorthogonalisation); 0: none.
  int probes = 4;
  int quadrature_steps = 128;
  unsigned seed = 1;  ///< the probes' Rademacher signs (the same on every rank)
};

/// Estimates over the whole spectrum from the quadrature (mean over the probes and its
/// standard error). Counts use the same cut as Spectrum: |lambda| > threshold * scale.
struct SpectralDensity {
  double negative = 0.0, negative_se = 0.0;  ///< eigenvalues below -cut
  double large = 0.0, large_se = 0.0;        ///< eigenvalues above +cut
  /// sum over lambda > 0 of lambda / (lambda + cut): the number of directions the loss resolves
  /// at the cut's scale (MacKay's effective number of parameters).
  double effective_dimension = 0.0, effective_dimension_se = 0.0;
  int probes = 0;
};

/// The two ends of the spectrum of the 3nq x 3nq Hessian (never formed).
struct Spectrum {
  std::vector<double> largest;   ///< the k largest eigenvalues, descending
  std::vector<double> smallest;  ///< the k smallest, ascending
  std::int64_t dimension = 0;    ///< 3 n q
  int negative = 0;              ///< eigenvalues below -threshold * scale among `smallest`
  int large = 0;                 ///< eigenvalues above threshold * scale among `largest`
  double scale = 0.0;            ///< max |lambda| over both ends
  bool converged = true;
  int products = 0;  ///< Hessian-vector products the two Lanczos runs and the probes took
  std::optional<SpectralDensity> density;  ///< when options.probes > 0
};

/// Stochastic Lanczos quadrature on any symmetric operator: for each of `probes` Rademacher
/// vectors z (seeded), `steps` Lanczos steps from z / |z| give nodes theta_j and weights tau_j,
/// and z^T f(A) z ~ dim sum_j tau_j f(theta_j). Returns, per probe, {count below -cut, count
/// above cut, sum lambda / (lambda + cut) over lambda > 0}. Exact (up to rounding) when steps >=
/// dim; `apply(x, y)` sets y = A x.
std::vector<std::array<double, 3>> lanczos_quadrature(
    Eigen::Index dim, const std::function<void(const double*, double*)>& apply, int probes,
    int steps, double cut, unsigned seed);

/// Collective on the reducer: both ends of the Hessian's spectrum at p. Every rank runs the same
/// Lanczos iteration on the full 3nq vector; each product is computed shard by shard and
/// assembled by one sum-reduction, so the result does not depend on the sharding beyond
/// rounding. k is clamped to (3nq - 1) / 2.
Spectrum hessian_spectrum(const Particles<double>& p, const Samples& train, Reducer& reducer,
                          const Head& head, const SpectrumOptions& options);

}  // namespace symsweep::core
