#pragma once

#include <Eigen/Dense>
#include <cstdint>
#include <string>
#include <vector>

#include "symsweep/core/group.hpp"

namespace symsweep::core {

/// One unitary irreducible representation of a finite group (docs/irreps.md).
struct Irrep {
  int dim = 0;        ///< d
  int indicator = 0;  ///< Frobenius-Schur indicator: +1 real, 0 complex, -1 quaternionic
  /// rho[g] is the d x d unitary matrix of element g (n matrices). Real-valued (imaginary parts
  /// exactly 0, so orthogonal) when indicator = +1.
  std::vector<Eigen::MatrixXcd> rho;
  Eigen::VectorXcd character;  ///< chi(g) = tr rho[g], length n
  int conjugate = 0;           ///< index in the IrrepSet of the irrep whose character is conj(chi)
  bool real() const { return indicator == 1; }
};

/// Maximum deviations of an irrep set from the properties of docs/irreps.md (all 0 in exact
/// arithmetic). Counts are exact; the rest are max-abs entry errors.
struct IrrepCheck {
  int irreps_minus_classes = 0;  ///< #irreps - #conjugacy classes
  int sum_d2_minus_order = 0;    ///< sum d^2 - n
  double homomorphism = 0.0;     ///< max |rho(g) rho(h) - rho(gh)|
  double identity = 0.0;         ///< max |rho(e) - I|
  double unitarity = 0.0;        ///< max |rho(g) rho(g)^H - I|
  /// max |F^H F - I| for the n x n matrix F[g, (rho, i, j)] = sqrt(d/n) rho_ij(g)
  double schur = 0.0;
  double characters = 0.0;  ///< max |(1/n) sum_g chi_i(g) conj chi_j(g) - delta_ij|
  double real_imag = 0.0;   ///< max |Im rho(g)| over the irreps with indicator +1
  double indicator = 0.0;   ///< max |(1/n) sum_g chi(g^2) - indicator|
  double conjugates = 0.0;  ///< max |chi_conjugate - conj chi|
  /// True when the counts are right and every error is below `tol`.
  bool ok(double tol) const;
  /// The largest of the error fields.
  double max_error() const;
};

/// What building an IrrepSet of a group of order n costs on one core: a model fitted to
/// tests/bench/dixon.sh on the README's machine (time ~ n^3, memory ~ n^2), an estimate only.
struct DixonCost {
  double seconds = 0.0;
  double bytes = 0.0;
};
DixonCost dixon_cost_estimate(int n);

/// The degrees of g's irreducible characters, ascending, without building any irrep: from the
/// class multiplication coefficients a_{cde} (n k operations for k classes) and one k x k
/// eigenproblem. The central characters omega_chi are the common eigenvectors of the class
/// matrices (M_c)_{de} = a_{cde}, and d_chi^2 = n / sum_c |omega_chi(c)|^2 / |C_c|. Accepted
/// only when every d_chi^2 is within 1e-6 (relative) of the square of a divisor of n and
/// sum d^2 = n (a few random combinations are tried); empty otherwise.
std::vector<int> character_degrees(const Group& g);

/// The complete set of irreps of a group, computed from its Cayley table by Dixon's method
/// (docs/irreps.md: isotypic split by a random Hermitian central element, one copy by a random
/// Hermitian commutant element, real forms for indicator +1) and verified before use. Costs
/// O(n^3) plus O(n^2 sum d^3) for the verification; S_5 (n = 120) takes about 20 ms.
/// Immutable after construction.
class IrrepSet {
 public:
  /// Deterministic for a given (group table, seed). Retries with fresh random numbers (Rng
  /// streams 0, 1, ...) up to kMaxAttempts times; throws symsweep::Error naming the group if no
  /// attempt passes the verification to 1e-9.
  explicit IrrepSet(const Group& g, std::uint64_t seed = kDefaultSeed);

  static constexpr std::uint64_t kDefaultSeed = 0x1e3e5;
  static constexpr int kMaxAttempts = 8;

  const std::string& spec() const { return spec_; }
  int order() const { return n_; }
  /// Number of irreps (= number of conjugacy classes).
  int size() const { return static_cast<int>(irreps_.size()); }
  /// Irreps ordered trivial first, then by dimension, then real / complex / quaternionic, then
  /// by character values (a canonical order that does not depend on the random numbers).
  const std::vector<Irrep>& irreps() const { return irreps_; }
  const Irrep& operator[](int i) const { return irreps_[static_cast<std::size_t>(i)]; }
  /// Conjugacy classes as sorted element lists: the identity's class first, the others in order
  /// of their smallest element.
  const std::vector<std::vector<int>>& classes() const { return classes_; }
  /// class_of()[g] = index in classes() of g's class.
  const std::vector<int>& class_of() const { return class_of_; }
  /// size() x classes().size() matrix: entry (i, c) = chi_i of any element of class c.
  Eigen::MatrixXcd character_table() const;
  /// The verification of the accepted attempt (see IrrepCheck).
  const IrrepCheck& check() const { return check_; }
  /// Attempts used (1 when the first random numbers worked).
  int attempts() const { return attempts_; }

 private:
  std::string spec_;
  int n_ = 0;
  std::vector<Irrep> irreps_;
  std::vector<std::vector<int>> classes_;
  std::vector<int> class_of_;
  IrrepCheck check_;
  int attempts_ = 0;
};

/// Verifies `irreps` (any order) against the group's table: every field of IrrepCheck.
/// `classes` is the number of conjugacy classes of g.
IrrepCheck verify_irreps(const Group& g, const std::vector<Irrep>& irreps, int classes);

/// Conjugacy classes of g as sorted element lists, the identity's class first, the others in
/// order of their smallest element.
std::vector<std::vector<int>> conjugacy_classes(const Group& g);

}  // namespace symsweep::core
