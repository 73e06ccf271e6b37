#pragma once

// The second variation of the training loss at the current particles (docs/model.md, "The
// Hessian spectrum"): exact Hessian-vector products in closed form and the extreme eigenvalues
// by Lanczos (Spectra), both collective over a team like every other sum.

#include <cstdint>
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
  int k = 8;                      ///< eigenvalues at each end
  double threshold = 1e-3;        ///< "large": |lambda| > threshold * max |lambda|
  double tolerance = 1e-6;        ///< Lanczos' tolerance, relative to the spectrum's scale
  int max_iterations = 2000;
};

/// The two ends of the spectrum of the 3nq x 3nq Hessian (never formed).
struct Spectrum {
  std::vector<double> largest;   ///< the k largest eigenvalues, descending
  std::vector<double> smallest;  ///< the k smallest, ascending
  std::int64_t dimension = 0;    ///< 3 n q
  int negative = 0;   ///< eigenvalues below -threshold * scale among `smallest`
  int large = 0;      ///< eigenvalues above threshold * scale among `largest`
  double scale = 0.0; ///< max |lambda| over both ends
  bool converged = true;
  int products = 0;   ///< Hessian-vector products the two Lanczos runs took
};

/// Collective on the reducer: both ends of the Hessian's spectrum at p. Every rank runs the same
/// Lanczos iteration on the full 3nq vector; each product is computed shard by shard and
/// assembled by one sum-reduction, so the result does not depend on the sharding beyond
/// rounding. k is clamped to (3nq - 1) / 2.
Spectrum hessian_spectrum(const Particles<double>& p, const Samples& train, Reducer& reducer,
                          const Head& head, const SpectrumOptions& options);

}  // namespace symsweep::core
