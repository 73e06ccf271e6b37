#pragma once

// Networks as measures and their semiring (docs/measure-algebra.md): weighted particle sets,
// their sum, product, scaling, the identity and zero elements, and the absorption of weights
// that turns any of them back into a plain mean-field network.

#include <Eigen/Dense>
#include <complex>
#include <vector>

#include "symsweep/core/group.hpp"
#include "symsweep/core/potentials.hpp"

namespace symsweep::core {

/// A weighted particle set mu = sum_j m_j delta_{z_j}: row j of `z` is z_j = (w_a | w_b | w_c)
/// (q x 3n), `m` its weight. A width-q mean-field network is the case m_j = 1/q.
struct Measure {
  Eigen::MatrixXd z;
  Eigen::VectorXd m;
  int n() const { return static_cast<int>(z.cols() / 3); }
  Eigen::Index size() const { return z.rows(); }
};

/// The measure of a plain mean-field network (q x 3n, every weight 1/q). InputError unless the
/// matrix has 3n columns for a group of order n >= 1 and at least one row.
Measure network_measure(const Eigen::MatrixXd& network, int n);

/// mu1 + mu2: the union of the particle sets, every weight kept (rows of a, then rows of b).
Measure measure_sum(const Measure& a, const Measure& b);

/// mu1 * mu2 on an abelian group: one particle per pair (i, j), row i * |b| + j, weight
/// m_i m_j, each block the group convolution (1/n)(u * v)[s] = (1/n) sum_x u[x] v[x^-1 s], so
/// its Fourier coordinates are the element-wise products. InputError for a non-abelian group
/// (the message says why).
Measure measure_product(const Group& g, const Measure& a, const Measure& b);

/// c mu: every weight multiplied by c (any real c).
Measure measure_scale(const Measure& a, double c);

/// The identity of the product: one particle (n e_e, n e_e, n e_e) of weight 1 (all its Fourier
/// coordinates are 1).
Measure measure_one(const Group& g);

/// The identity of the sum: the empty set (0 rows).
Measure measure_zero(int n);

/// A plain mean-field network with the same outputs and degree-3 MPs: Q = the number of
/// particles (1 for the empty set, whose network is one zero particle), row j scaled by
/// cbrt(m_j Q) (the output is homogeneous of degree 3 in a particle).
Eigen::MatrixXd absorb(const Measure& mu);

/// The outputs o_mu(a1, a2)[c] = sum_j m_j w_c[c] (w_a[a1] + w_b[a2])^2 on every pair: an
/// n x n^2 matrix, column a1 * n + a2.
Eigen::MatrixXd measure_outputs(const Measure& mu);

/// Every degree-3 MP of a measure on an abelian group, in the dual group's index order, entry
/// (k1 * n + k2) * n + k: rho_{k1 k2 k} (`abc`), rho_{a, k1 k2 k} (`aac`) and rho_{b, k1 k2 k}
/// (`bbc`), each sum_j m_j z_{p,k1} z_{p',k2} z_{c,k} with the Fourier coordinates of
/// fourier_coords. Cost n^3 q complex products (one matrix product per block of particles).
struct Degree3Potentials {
  std::vector<std::complex<double>> abc, aac, bbc;
};
Degree3Potentials degree3_potentials(const Measure& mu, const DualGroup& dual);

/// The largest |got_r - want_r| over every entry of the three tensors, divided by the largest
/// |want_r| (1 where every want_r is 0): the relative deviation of a homomorphism check.
double relative_deviation(const Degree3Potentials& got, const Degree3Potentials& want);

/// Entry-wise want = x + y, x * y and c x of the MP tensors (the homomorphism's predictions).
Degree3Potentials potentials_sum(const Degree3Potentials& x, const Degree3Potentials& y);
Degree3Potentials potentials_product(const Degree3Potentials& x, const Degree3Potentials& y);
Degree3Potentials potentials_scale(const Degree3Potentials& x, double c);

}  // namespace symsweep::core
