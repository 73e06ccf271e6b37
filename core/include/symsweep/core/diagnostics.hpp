#pragma once

#include <Eigen/Dense>
#include <cstdint>

#include "symsweep/core/potentials.hpp"
#include "symsweep/core/reducer.hpp"

namespace symsweep::core {

/// Collective (one sum-reduction of the 3n x 3n second-moment matrix): participation ratio
/// (sum l_i)^2 / sum l_i^2 = tr(M)^2 / ||M||_F^2 of M = (1/q) sum_j z_j z_j^T (docs/model.md).
/// `z` holds the local particles as rows (local_count x 3n).
double effective_dimension(const Eigen::Ref<const Eigen::MatrixXd>& z, Reducer& reducer);

/// Collective (one sum-reduction): mean over all q particles of the number of frequencies that
/// hold 90 % of a particle's Fourier energy |z_a,k|^2 + |z_b,k|^2 + |z_c,k|^2 (docs/model.md).
double frequencies_per_neuron(const FourierCoords& f, std::int64_t q, Reducer& reducer);

/// The per-particle conserved quantities of docs/conservation.md (one entry per local particle):
/// Q = ||w_a||^2 + ||w_b||^2 - 2 ||w_c||^2, S = sum w_a - sum w_b, C = sum w_c.
struct Invariants {
  Eigen::VectorXd q, s, c;
};
Invariants invariants(const Eigen::Ref<const Eigen::MatrixXd>& z);

/// Relative drift max_j |X_j(t) - X_j(0)| / mean_j |X_j(0)| for X = Q, S, C.
struct Drift {
  double q = 0.0, s = 0.0, c = 0.0;
  bool operator==(const Drift&) const = default;
};
/// Collective (one sum- and one max-reduction). `width` is the global q.
Drift conservation_drift(const Invariants& initial, const Invariants& now, std::int64_t width,
                         Reducer& reducer);

}  // namespace symsweep::core
