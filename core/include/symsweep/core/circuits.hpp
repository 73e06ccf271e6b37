#pragma once

#include <Eigen/Dense>
#include <cstdint>

#include "symsweep/core/group.hpp"

namespace symsweep::core {

/// Closed-form particle sets (docs/potentials.md), as mean-field networks: a Q x 3n matrix of
/// particles (w_a | w_b | w_c) whose output is (1/Q) sum_j w_c (w_a[a1] + w_b[a2])^2. All need a
/// group with cyclic factors (cyclic:N, product:...) and throw InputError otherwise.

/// The cosine circuit (i): `per_frequency` neurons for every frequency k != 0 with random
/// phases phi1, phi2 (phi3 = phi1 + phi2): w_a = cos(theta_k(a) + phi1),
/// w_b = cos(theta_k(b) + phi2), w_c = cos(-theta_k(c) - phi3), theta_k(a) = arg chi_k(a).
Eigen::MatrixXd cosine_circuit(const Group& g, int per_frequency, std::uint64_t seed);

/// The exact 0/1 solution (ii) for abelian groups of odd order: for each pair {k, -k}, the nine
/// particles of the 3 x 3 phase grid, weights absorbed. Q = 9 (n - 1) / 2.
Eigen::MatrixXd exact_grid_solution(const Group& g);

/// The exact 0/1 solution of docs/potentials.md with the characters as the irreps (any abelian
/// group, even order included): for every k != 0 and each of the four real terms
/// eps f_a f_b f_c of Re(chi_k(a1) chi_k(a2) conj chi_k(c)), four particles
/// (s1 K f_a, s2 K f_b, eps s1 s2 K f_c), K = (Q / 4)^(1/3). Q = 16 (n - 1).
Eigen::MatrixXd exact_character_solution(const Group& g);

}  // namespace symsweep::core
