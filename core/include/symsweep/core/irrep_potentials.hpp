#pragma once

#include <Eigen/Dense>
#include <cstdint>
#include <vector>

#include "symsweep/core/irreps.hpp"
#include "symsweep/core/reducer.hpp"

namespace symsweep::core {

/// Fourier coefficients of particles for every irrep (docs/potentials.md), `z` local_count x 3n
/// (w_a | w_b | w_c). Entry [rho] of each vector is a local_count x d^2 complex matrix whose
/// row j is vec(X^rho_j), column-major ((k, l) -> k + d l):
/// A^rho = (1/n) sum_g w_a[g] rho(g)^H, B^rho likewise, C^rho = (1/n) sum_g w_c[g] rho(g), and
/// sq_a, sq_b the input-convention coefficients of the element-wise squares w_a o w_a, w_b o w_b.
struct IrrepFourier {
  std::vector<Eigen::MatrixXcd> a, b, c, sq_a, sq_b;
};

/// Not collective: the coefficients of the local particles only. Cost O(local_count n^2).
IrrepFourier irrep_fourier(const IrrepSet& irreps, const Eigen::Ref<const Eigen::MatrixXd>& z);

/// The MP summary of docs/potentials.md for the whole network (all ranks' particles). Per-irrep
/// vectors have one entry per irrep in IrrepSet order; entry 0 (the trivial irrep) is unused (NaN
/// for rho and gap, 0 for l and off_target). Members of a complex-conjugate pair carry equal
/// values.
struct IrrepMpSummary {
  Eigen::VectorXd rho;  ///< rho_tau = Re E tr(B^tau A^tau C^tau) / d_tau, target 1
  /// gap_tau = ||M_tau - I_tau||_F / d_tau^(3/2), M_tau = d_tau^2 R^{tau tau tau}, target 0
  Eigen::VectorXd gap;
  Eigen::VectorXd l;  ///< l_tau of the loss identity
  /// l_tau + d_tau^2 - ||M_tau - I_tau||^2 / d_tau: the cross (R^{rho sigma tau}, (rho, sigma)
  /// != (tau, tau)) and square (S) terms of irrep tau, target 0
  Eigen::VectorXd off_target;
  /// L_full / n - sum_{tau != 1} ||M_tau - I_tau||^2 / d_tau = sum_tau off_target[tau], target 0
  double off_target_energy = 0.0;
  double binary_gap = 0.0;  ///< max_tau gap_tau
  /// Mean over the particles (with non-zero centred weights) of the share of a particle's Fourier
  /// energy sum_rho d_rho (||A^rho||^2 + ||B^rho||^2 + ||C^rho||^2) on its largest real irrep
  /// block; a complex-conjugate pair counts as one block (a real weight's energy is split equally
  /// between the two members), the trivial irrep is left out. 1 = every neuron uses one irrep.
  double concentration = 0.0;
  /// n sum_{tau != 1} l_tau + n(n-1): the loss summed over all n^2 pairs (the left side of the
  /// identity, the loss of docs/model.md without the 1/|T|).
  double full_loss_sum_from_mps = 0.0;
};

/// Computes IrrepMpSummary for particles sharded over a team. Built once per group (O(n^3)
/// set-up: a real orthonormal basis of R^n adapted to the isotypic blocks), then reused.
///
/// Method: with centred weights a, b, c and gamma_j = O^T c_j the coordinates of c_j in that
/// basis, every R^{rho sigma tau} is a linear image of the real tensor
/// W[x, y, k] = sum_j a_j[x] b_j[y] gamma_j[k] (n^2 (n-1) numbers), and by Plancherel
/// sum_{rho, sigma} d_rho d_sigma ||R^{rho sigma tau}||^2 is a block norm of W. M_tau is W
/// contracted with the Fourier matrices of tau, which is the sum over particles of the outer
/// products of their Fourier coefficients (alpha_j (x) beta_j (x) gammahat_j): it is built that
/// way, reduced, and the gap comes from M_tau directly (no expanded Gram form). The square
/// terms come from two n x (n-1) tensors of the same kind as W.
/// The identity holds for any weights: non-zero means enter in the centred form of
/// docs/potentials.md (with zero-mean weights it is the plain formula).
///
/// Cost per call: local 2 q_local n^3 flops for W (one GEMM, the same as a forward pass over
/// all n^2 pairs, ~0.7 of a training step at f = 0.5) and 8 q_local sum_tau d_tau^6 for the
/// M_tau; reducer.sum calls of reduction_sizes(): W (n^3 doubles, S_5: 1.74 M, 14 MB, in one
/// call up to about 200 elements) and every M_tau (2 d^6 doubles). Memory (working_bytes): one
/// chunk of W (kChunkBytes) or one M_tau (16 d^6 bytes; S_6: 268 MB), whichever is larger.
class IrrepPotentials {
 public:
  /// Throws symsweep::Error if the irreps do not yield an orthonormal adapted basis.
  /// W is reduced a few elements x at a time, about `chunk_bytes` per reduction (at least one
  /// x: n (n-1) doubles), and each M_tau in pieces of at most `chunk_bytes`, so memory stays
  /// O(chunk + max_tau d_tau^6) instead of n^3.
  explicit IrrepPotentials(const IrrepSet& irreps, std::size_t chunk_bytes = kChunkBytes);
  static constexpr std::size_t kChunkBytes = std::size_t{64} << 20;

  /// Collective on the reducer (one reducer.sum call per entry of reduction_sizes(), the same
  /// on every rank): the summary of the network whose
  /// local particles are the rows of `z` (local_count x 3n, w_a | w_b | w_c) and whose global
  /// width is `q`. Every rank returns the same numbers. Throws InputError on bad shapes.
  IrrepMpSummary summarize(const Eigen::Ref<const Eigen::MatrixXd>& z, std::int64_t q,
                           Reducer& reducer) const;

  /// The sizes (doubles) of summarize()'s reducer.sum calls, in order, and their total.
  std::vector<std::size_t> reduction_sizes() const;
  std::size_t reduction_size() const;
  /// Elements x per reduction.
  Eigen::Index chunk_elements() const;
  /// Bytes summarize() holds at its peak on a rank with q_local particles (an estimate).
  double working_bytes(std::int64_t q_local) const;

  int order() const { return n_; }

 private:
  /// A real isotypic block: one irrep with a real character, or a complex-conjugate pair.
  struct Block {
    std::vector<int> members;  ///< irrep indices
    Eigen::Index col = 0;      ///< first column in basis_
    Eigen::Index size = 0;     ///< number of columns: d^2 per member
  };
  /// Per non-trivial irrep: the matrices that turn W into M_tau.
  struct Member {
    int irrep = 0;
    int dim = 0;
    int block = 0;
    bool real = false;
    Eigen::MatrixXcd t_in;   ///< n x d^2: (g, k + d l) -> conj(tau(g)_lk) / n
    Eigen::MatrixXcd g_out;  ///< block size x d^2: O_block^T (g, k + d l) -> tau(g)_kl / n
  };

  int n_ = 0;
  int irreps_ = 0;
  std::size_t chunk_bytes_ = kChunkBytes;
  Eigen::MatrixXd basis_;  ///< n x (n-1) orthonormal, columns grouped by block
  std::vector<Block> blocks_;
  std::vector<Member> members_;
};

/// Convenience: IrrepPotentials(irreps).summarize(z, q, reducer). Collective on the reducer.
IrrepMpSummary irrep_potentials(const IrrepSet& irreps, const Eigen::Ref<const Eigen::MatrixXd>& z,
                                std::int64_t q, Reducer& reducer);

/// The exact 0/1 solution of docs/potentials.md as a Q x 3n mean-field particle matrix
/// (w_a | w_b | w_c): for every tau != 1, every i, j, l and every real term eps f_a f_b f_c of
/// Re(tau_ij(a1) tau_jl(a2) conj tau_il(c)) (one term for a real irrep, four otherwise), the
/// four particles (s1 k f_a, s2 k f_b, eps s1 s2 k f_c), k = (Q d_tau / 4)^(1/3).
/// Q = 4 sum_{tau != 1} d_tau^3 (1 if real, else 4): S_4 252, A_5 972. Loss 0, accuracy 100 %.
Eigen::MatrixXd exact_irrep_solution(const IrrepSet& irreps);

}  // namespace symsweep::core
