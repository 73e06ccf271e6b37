#pragma once

#include <Eigen/Dense>
#include <complex>
#include <cstdint>
#include <vector>

#include "symsweep/core/group.hpp"
#include "symsweep/core/reducer.hpp"

namespace symsweep::core {

/// The dual group of an abelian group (docs/potentials.md): with the basis Z_{n_0} x Z_{n_1} x ...
/// of abelian_basis (group.hpp), frequency k has the mixed-radix index set of the coordinates and
/// chi_k(a) = prod_i exp(2 pi i k_i a_i / n_i), a_i the coordinates of element a (for cyclic:N and
/// product:... groups, the digits of a itself).
class DualGroup {
 public:
  /// Any abelian group (its basis: abelian_basis, group.hpp); throws InputError for others.
  explicit DualGroup(const Group& g);
  int order() const { return n_; }
  /// n x n matrix X(a, k) = chi_k(a).
  const Eigen::MatrixXcd& characters() const { return chi_; }
  int add(int k1, int k2) const { return add_[static_cast<std::size_t>(k1) * n_ + k2]; }
  int neg(int k) const { return neg_[k]; }

 private:
  int n_;
  Eigen::MatrixXcd chi_;
  std::vector<int> add_, neg_;
};

/// Fourier coordinates of particles (rows), docs/potentials.md: a = w_a conj(X) / n, b likewise,
/// c = w_c X / n (no conjugate), and sq_a, sq_b the coordinates of the squared weights
/// w_a o w_a, w_b o w_b (their k-th entry is sum_k' z_{p,k'} z_{p,k-k'}).
struct FourierCoords {
  Eigen::MatrixXcd a, b, c, sq_a, sq_b;
};

/// `z` is local_count x 3n (w_a | w_b | w_c).
FourierCoords fourier_coords(const Eigen::Ref<const Eigen::MatrixXd>& z, const DualGroup& dual);

/// The MP summary of docs/potentials.md for the whole network (all ranks' particles).
struct MpSummary {
  std::vector<std::complex<double>> rho_kkk;  ///< k = 1..n-1 in the dual group's index order
  double max_offtarget = 0.0;  ///< max |rho_{k1 k2 k}| over k != 0, (k1, k2) != (k, k)
  double binary_gap = 0.0;     ///< max over rho_{k1 k2 k}, k != 0, of |rho - target|
  Eigen::VectorXd l;           ///< l_k of the loss decomposition (l[0] = 0, unused)
  /// n sum_{k != 0} l_k + n(n-1): the summed loss over all n^2 pairs when every weight has
  /// zero mean over the group axis.
  double full_loss_sum_from_mps = 0.0;
};

/// Collective on the reducer (sum-reductions of n x n K complex partial sums, K values of k at
/// a time): every MP of the network whose local particles have Fourier coordinates `f` (of real
/// weights, from fourier_coords: the MPs at -k are the conjugates of those at k and are not
/// computed again), with global width `q`.
MpSummary monomial_potentials(const FourierCoords& f, std::int64_t q, const DualGroup& dual,
                              Reducer& reducer);

/// Collective on the reducer (one sum-reduction of n complex values): rho_kkk alone, k = 1..n-1
/// as in MpSummary (n q products instead of n^3 q).
std::vector<std::complex<double>> rho_kkk(const FourierCoords& f, std::int64_t q,
                                          const DualGroup& dual, Reducer& reducer);

/// rho_{p k1 k2 k} summed as in the loss: s_p(m, k) = sum_k' rho_{p, k', m - k', k}, computed
/// term by term with the dual group's arithmetic (a test-size reference for the fast path).
Eigen::MatrixXcd s_terms_by_convolution(const Eigen::MatrixXcd& zp, const Eigen::MatrixXcd& zc,
                                        std::int64_t q, const DualGroup& dual);

}  // namespace symsweep::core
