#include "symsweep/core/irreps.hpp"

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <cmath>
#include <complex>
#include <tuple>

#include "symsweep/core/error.hpp"
#include "random.hpp"

namespace symsweep::core {

namespace {

using cd = std::complex<double>;

// Eigenvalues closer than this (relative to max(1, max |lambda|)) belong to one cluster: the
// isotypic eigenvalues of a random central element are O(1) apart, rounding is O(1e-15).
constexpr double kClusterGap = 1e-7;
// Inside one isotypic block the lowest d eigenvalues of the random commutant element must agree
// to kSpreadTol and be kGapTol away from the next one (docs/irreps.md, step 2).
constexpr double kSpreadTol = 1e-8;
constexpr double kGapTol = 1e-6;
// dixon_cost_estimate: fitted to tests/bench/dixon.sh (README, "Irreps at every size").
constexpr double kDixonSecondsPerCube = 9.5e-9;
constexpr double kDixonBytesPerSquare = 80.0;

// verify_irreps checks every row of every product rho(x) rho(h) up to this order, the first
// row beyond.
constexpr int kAllRowsOrder = 256;

// An attempt is accepted when every verified property holds to this.
constexpr double kAcceptTol = 1e-9;

/// Dense sum_g beta(g) R(g) (R(g) e_h = e_{h g^-1}): entry (k, h) = beta(k^-1 h). It commutes
/// with every L(g); it is Hermitian when beta(g^-1) = conj beta(g).
template <typename Scalar>
Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic> commutant(const Group& g,
                                                                const std::vector<Scalar>& beta) {
  const int n = g.order();
  Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic> m(n, n);
  for (int k = 0; k < n; ++k) {
    const int kinv = g.inv(k);
    for (int h = 0; h < n; ++h) m(k, h) = beta[static_cast<std::size_t>(g.mul(kinv, h))];
  }
  return m;
}

/// rho(g) = V^H L(g) V for every g, with (L(g) V)[k] = V[g^-1 k]; V is n x d with orthonormal
/// columns spanning an L-invariant subspace.
template <typename Scalar>
std::vector<Eigen::MatrixXcd> rep_from_basis(
    const Group& g, const Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>& v) {
  const int n = g.order();
  const Eigen::Index d = v.cols();
  Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic> shifted(n, d);
  std::vector<Eigen::MatrixXcd> rho(static_cast<std::size_t>(n));
  for (int x = 0; x < n; ++x) {
    const int xinv = g.inv(x);
    for (int k = 0; k < n; ++k) shifted.row(k) = v.row(g.mul(xinv, k));
    rho[static_cast<std::size_t>(x)] = (v.adjoint() * shifted).template cast<cd>();
  }
  return rho;
}

/// Runs of sorted eigenvalues separated by gaps > tol: (first index, size) pairs.
std::vector<std::pair<int, int>> clusters(const Eigen::VectorXd& w, double tol) {
  std::vector<std::pair<int, int>> out;
  int start = 0;
  for (int i = 1; i <= w.size(); ++i) {
    if (i == w.size() || w[i] - w[i - 1] > tol) {
      out.emplace_back(start, i - start);
      start = i;
    }
  }
  return out;
}

/// docs/irreps.md, step 2: inside the isotypic block with orthonormal basis q (n x d^2), the
/// eigenvectors of the lowest eigenvalue of q^H C q (C a random Hermitian commutant element)
/// give one irreducible copy. Returns false when the eigenvalues are not cleanly clustered.
template <typename Scalar>
bool one_copy(const Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>& q,
              const Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>& c, int d,
              Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>& v) {
  using Mat = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;
  Mat cr = q.adjoint() * (c * q);
  cr = (0.5 * (cr + cr.adjoint())).eval();
  const Eigen::SelfAdjointEigenSolver<Mat> es(cr);
  if (es.info() != Eigen::Success) return false;
  const Eigen::VectorXd& w = es.eigenvalues();
  const double scale = std::max(1.0, w.cwiseAbs().maxCoeff());
  if (w[d - 1] - w[0] > kSpreadTol * scale) return false;
  if (d < w.size() && w[d] - w[d - 1] < kGapTol * scale) return false;
  v = q * es.eigenvectors().leftCols(d);
  return true;
}

Eigen::VectorXcd traces(const std::vector<Eigen::MatrixXcd>& rho) {
  Eigen::VectorXcd chi(static_cast<Eigen::Index>(rho.size()));
  for (std::size_t x = 0; x < rho.size(); ++x) chi[static_cast<Eigen::Index>(x)] = rho[x].trace();
  return chi;
}

double indicator_value(const Group& g, const Eigen::VectorXcd& chi) {
  cd s = 0.0;
  for (int x = 0; x < g.order(); ++x) s += chi[g.mul(x, x)];
  return s.real() / g.order();
}

bool is_trivial(const Irrep& r) {
  return r.dim == 1 && (r.character.array() - 1.0).abs().maxCoeff() < 1e-8;
}

/// Canonical order: trivial first, then dimension, then real / complex / quaternionic, then the
/// character values rounded to 1e-6 (distinct irreps have distinct characters).
bool irrep_less(const Irrep& x, const Irrep& y) {
  const bool tx = is_trivial(x), ty = is_trivial(y);
  if (tx != ty) return tx;
  if (x.dim != y.dim) return x.dim < y.dim;
  if (x.indicator != y.indicator) return x.indicator > y.indicator;
  auto rounded = [](double v) { return std::round(v * 1e6); };
  for (int part = 0; part < 2; ++part) {
    for (Eigen::Index g = 0; g < x.character.size(); ++g) {
      const double vx = rounded(part == 0 ? x.character[g].real() : x.character[g].imag());
      const double vy = rounded(part == 0 ? y.character[g].real() : y.character[g].imag());
      if (vx != vy) return vx < vy;
    }
  }
  return false;
}

/// Orthonormal real basis (n x d^2) of the range of the real isotypic projector
/// P = (d/n) sum_g conj(chi(g)) L(g) of an irrep with a real character. The complex cluster
/// basis q spans that range and P is real, so Re q and Im q span it too; the non-zero
/// eigenvalues of their Gram matrix are all exactly 1 (X X^T = P), a perfectly conditioned split.
bool real_isotypic_basis(const Eigen::MatrixXcd& q, int d, Eigen::MatrixXd& out) {
  const Eigen::Index n = q.rows(), m = q.cols();
  Eigen::MatrixXd x(n, 2 * m);
  x.leftCols(m) = q.real();
  x.rightCols(m) = q.imag();
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(x.transpose() * x);
  if (es.info() != Eigen::Success) return false;
  const Eigen::VectorXd& w = es.eigenvalues();
  const Eigen::Index keep = (w.array() > 0.5).count();
  if (keep != static_cast<Eigen::Index>(d) * d) return false;
  // Eigenvalues ascend: the kept ones are the last `keep`.
  out = x * es.eigenvectors().rightCols(keep);
  for (Eigen::Index i = 0; i < keep; ++i) out.col(i) /= std::sqrt(w[2 * m - keep + i]);
  return true;
}

/// One attempt of Dixon's method with the random numbers of `rng`. On failure returns false and
/// says why in `why`.
bool dixon_attempt(const Group& g, const std::vector<std::vector<int>>& classes,
                   const std::vector<int>& class_of, Rng& rng, std::vector<Irrep>& out,
                   std::string& why) {
  const int n = g.order();
  const int k = static_cast<int>(classes.size());
  out.clear();

  // Step 1: isotypic split by a random Hermitian central element.
  std::vector<cd> alpha(static_cast<std::size_t>(k));
  for (auto& a : alpha) {
    const double re = rng.normal();
    a = cd(re, rng.normal());
  }
  std::vector<cd> f(static_cast<std::size_t>(n));
  for (int x = 0; x < n; ++x) {
    const int c = class_of[static_cast<std::size_t>(x)];
    const int cinv = class_of[static_cast<std::size_t>(g.inv(x))];
    f[static_cast<std::size_t>(x)] =
        alpha[static_cast<std::size_t>(c)] + std::conj(alpha[static_cast<std::size_t>(cinv)]);
  }
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXcd> es(commutant(g, f));
  if (es.info() != Eigen::Success) {
    why = "the central element's eigensolver did not converge";
    return false;
  }
  const Eigen::VectorXd& w = es.eigenvalues();
  const double scale = std::max(1.0, w.cwiseAbs().maxCoeff());
  const auto blocks = clusters(w, kClusterGap * scale);
  if (static_cast<int>(blocks.size()) != k) {
    why = "step 1 found " + std::to_string(blocks.size()) + " eigenvalue clusters for " +
          std::to_string(k) + " conjugacy classes";
    return false;
  }

  // Step 2 and 3: one copy per block, real where the indicator is +1. One random commutant
  // element (complex and real) serves every block: its blocks are independent random matrices.
  std::vector<cd> beta(static_cast<std::size_t>(n));
  std::vector<double> beta_real(static_cast<std::size_t>(n));
  {
    std::vector<cd> gam(static_cast<std::size_t>(n));
    std::vector<double> gam_real(static_cast<std::size_t>(n));
    for (auto& x : gam) {
      const double re = rng.normal();
      x = cd(re, rng.normal());
    }
    for (auto& x : gam_real) x = rng.normal();
    for (int x = 0; x < n; ++x) {
      const auto xi = static_cast<std::size_t>(x), ii = static_cast<std::size_t>(g.inv(x));
      beta[xi] = gam[xi] + std::conj(gam[ii]);
      beta_real[xi] = gam_real[xi] + gam_real[ii];
    }
  }
  const Eigen::MatrixXcd c = commutant(g, beta);
  Eigen::MatrixXd c_real;  // built on first need

  for (const auto& [start, size] : blocks) {
    const int d = static_cast<int>(std::lround(std::sqrt(static_cast<double>(size))));
    if (d * d != size) {
      why = "step 1 found a cluster of size " + std::to_string(size) + ", not a square";
      return false;
    }
    const Eigen::MatrixXcd q = es.eigenvectors().middleCols(start, size);
    Eigen::MatrixXcd v;
    if (!one_copy(q, c, d, v)) {
      why =
          "step 2 found no clean eigenvalue split in a block of dimension " + std::to_string(size);
      return false;
    }
    Irrep r;
    r.dim = d;
    r.rho = rep_from_basis(g, v);
    r.character = traces(r.rho);
    const double nu = indicator_value(g, r.character);
    r.indicator = static_cast<int>(std::lround(nu));
    if (std::abs(nu - r.indicator) > 1e-6 || std::abs(r.indicator) > 1) {
      why = "a Frobenius-Schur indicator came out as " + std::to_string(nu);
      return false;
    }
    if (r.indicator == 1 && d > 1) {
      Eigen::MatrixXd qr, vr;
      if (c_real.size() == 0) c_real = commutant(g, beta_real);
      if (!real_isotypic_basis(q, d, qr) || !one_copy(qr, c_real, d, vr)) {
        why = "step 3 found no real form of an irrep of dimension " + std::to_string(d);
        return false;
      }
      r.rho = rep_from_basis(g, vr);
      r.character = traces(r.rho);
    } else if (r.indicator == 1) {
      // A one-dimensional representation with a real character is its character: +-1.
      for (auto& m : r.rho) m(0, 0) = cd(m(0, 0).real(), 0.0);
      r.character = traces(r.rho);
    }
    out.push_back(std::move(r));
  }

  std::stable_sort(out.begin(), out.end(), irrep_less);
  for (std::size_t i = 0; i < out.size(); ++i) {
    int partner = -1;
    for (std::size_t j = 0; j < out.size() && partner < 0; ++j) {
      if ((out[j].character - out[i].character.conjugate()).cwiseAbs().maxCoeff() < 1e-6) {
        partner = static_cast<int>(j);
      }
    }
    if (partner < 0) {
      why = "an irrep has no complex-conjugate partner";
      return false;
    }
    out[i].conjugate = partner;
  }
  return true;
}

}  // namespace

bool IrrepCheck::ok(double tol) const {
  return irreps_minus_classes == 0 && sum_d2_minus_order == 0 && max_error() < tol;
}

double IrrepCheck::max_error() const {
  return std::max(
      {homomorphism, identity, unitarity, schur, characters, real_imag, indicator, conjugates});
}

std::vector<std::vector<int>> conjugacy_classes(const Group& g) {
  const int n = g.order();
  std::vector<int> owner(static_cast<std::size_t>(n), -1);
  std::vector<std::vector<int>> out;
  auto add_class = [&](int x) {
    std::vector<int> cls;
    for (int h = 0; h < n; ++h) {
      const int y = g.mul(g.mul(h, x), g.inv(h));
      if (owner[static_cast<std::size_t>(y)] < 0) {
        owner[static_cast<std::size_t>(y)] = static_cast<int>(out.size());
        cls.push_back(y);
      }
    }
    std::sort(cls.begin(), cls.end());
    out.push_back(std::move(cls));
  };
  add_class(g.identity());
  for (int x = 0; x < n; ++x) {
    if (owner[static_cast<std::size_t>(x)] < 0) add_class(x);
  }
  return out;
}

IrrepCheck verify_irreps(const Group& g, const std::vector<Irrep>& irreps, int classes) {
  const int n = g.order();
  IrrepCheck chk;
  int sum_d2 = 0;
  for (const auto& r : irreps) sum_d2 += r.dim * r.dim;
  chk.irreps_minus_classes = static_cast<int>(irreps.size()) - classes;
  chk.sum_d2_minus_order = sum_d2 - n;

  Eigen::MatrixXcd f = Eigen::MatrixXcd::Zero(n, std::max(sum_d2, 0));
  Eigen::MatrixXcd chi(static_cast<Eigen::Index>(irreps.size()), n);
  Eigen::Index col = 0;
  for (std::size_t ri = 0; ri < irreps.size(); ++ri) {
    const Irrep& r = irreps[ri];
    const int d = r.dim;
    if (static_cast<int>(r.rho.size()) != n) throw Error("verify_irreps: wrong number of matrices");
    const Eigen::MatrixXcd eye = Eigen::MatrixXcd::Identity(d, d);
    // Homomorphism for all pairs at once: rho(x) [rho(0) ... rho(n-1)] against rho(x h).
    Eigen::MatrixXcd stacked(d, static_cast<Eigen::Index>(d) * n);
    for (int h = 0; h < n; ++h) stacked.middleCols(static_cast<Eigen::Index>(h) * d, d) = r.rho[h];
    // Every row of every product up to kAllRowsOrder elements (n^2 sum d^3 products); beyond,
    // the first row of every product (n^3 in all), which with Schur orthogonality implies the
    // rest (docs/irreps.md, "How irreps are checked").
    const Eigen::Index rows = n <= kAllRowsOrder ? d : 1;
    Eigen::MatrixXcd prod(rows, static_cast<Eigen::Index>(d) * n);
    for (int x = 0; x < n; ++x) {
      prod.noalias() = r.rho[x].topRows(rows) * stacked;
      // Squared moduli (no hypot per entry): the largest modulus is the root of the largest.
      double e2 = 0.0;
      for (int h = 0; h < n; ++h) {
        e2 = std::max(e2, (prod.middleCols(static_cast<Eigen::Index>(h) * d, d) -
                           r.rho[g.mul(x, h)].topRows(rows))
                              .cwiseAbs2()
                              .maxCoeff());
      }
      chk.homomorphism = std::max(chk.homomorphism, std::sqrt(e2));
      chk.unitarity =
          std::max(chk.unitarity, (r.rho[x] * r.rho[x].adjoint() - eye).cwiseAbs().maxCoeff());
      if (r.indicator == 1) {
        chk.real_imag = std::max(chk.real_imag, r.rho[x].imag().cwiseAbs().maxCoeff());
      }
      chi(static_cast<Eigen::Index>(ri), x) = r.rho[x].trace();
      const double s = std::sqrt(static_cast<double>(d) / n);
      for (int j = 0; j < d; ++j) {
        for (int i = 0; i < d; ++i)
          f(x, col + i + static_cast<Eigen::Index>(d) * j) = s * r.rho[x](i, j);
      }
    }
    col += static_cast<Eigen::Index>(d) * d;
    chk.identity = std::max(chk.identity, (r.rho[g.identity()] - eye).cwiseAbs().maxCoeff());
    chk.indicator = std::max(chk.indicator,
                             std::abs(indicator_value(g, chi.row(ri).transpose()) - r.indicator));
    if (r.conjugate < 0 || r.conjugate >= static_cast<int>(irreps.size())) {
      chk.conjugates = std::max(chk.conjugates, 1.0);
    }
  }
  for (std::size_t ri = 0; ri < irreps.size(); ++ri) {
    const int cj = irreps[ri].conjugate;
    if (cj < 0 || cj >= static_cast<int>(irreps.size())) continue;
    chk.conjugates = std::max(
        chk.conjugates,
        (chi.row(cj) - chi.row(static_cast<Eigen::Index>(ri)).conjugate()).cwiseAbs().maxCoeff());
  }
  if (sum_d2 == n) {
    chk.schur = (f.adjoint() * f - Eigen::MatrixXcd::Identity(n, n)).cwiseAbs().maxCoeff();
  } else {
    chk.schur = 1.0;
  }
  const Eigen::Index k = chi.rows();
  chk.characters = (chi * chi.adjoint() / static_cast<double>(n) - Eigen::MatrixXcd::Identity(k, k))
                       .cwiseAbs()
                       .maxCoeff();
  return chk;
}

IrrepSet::IrrepSet(const Group& g, std::uint64_t seed)
    : spec_(g.spec()), n_(g.order()), classes_(conjugacy_classes(g)) {
  class_of_.assign(static_cast<std::size_t>(n_), 0);
  for (std::size_t c = 0; c < classes_.size(); ++c) {
    for (int x : classes_[c]) class_of_[static_cast<std::size_t>(x)] = static_cast<int>(c);
  }
  std::string why;
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    Rng rng(seed, static_cast<std::uint64_t>(attempt));
    std::vector<Irrep> irreps;
    if (!dixon_attempt(g, classes_, class_of_, rng, irreps, why)) continue;
    const IrrepCheck chk = verify_irreps(g, irreps, static_cast<int>(classes_.size()));
    if (!chk.ok(kAcceptTol)) {
      why = "the verification failed (largest error " + std::to_string(chk.max_error()) + ")";
      continue;
    }
    irreps_ = std::move(irreps);
    check_ = chk;
    attempts_ = attempt + 1;
    return;
  }
  throw Error("group \"" + spec_ + "\": Dixon's method found no verified set of irreducible " +
              "representations in " + std::to_string(kMaxAttempts) + " attempts (last: " + why +
              ")");
}

std::vector<int> character_degrees(const Group& g) {
  const int n = g.order();
  const std::vector<std::vector<int>> classes = conjugacy_classes(g);
  const int k = static_cast<int>(classes.size());
  std::vector<int> class_of(static_cast<std::size_t>(n), 0);
  for (int c = 0; c < k; ++c) {
    for (int x : classes[static_cast<std::size_t>(c)]) class_of[static_cast<std::size_t>(x)] = c;
  }
  // a[c](d, e) = #{x in C_c : x^-1 z_e in C_d} for a fixed z_e in C_e: K_c K_d = sum_e a_cde K_e.
  std::vector<Eigen::MatrixXd> a(static_cast<std::size_t>(k), Eigen::MatrixXd::Zero(k, k));
  for (int e = 0; e < k; ++e) {
    const int z = classes[static_cast<std::size_t>(e)].front();
    for (int x = 0; x < n; ++x) {
      const int d = class_of[static_cast<std::size_t>(g.mul(g.inv(x), z))];
      a[static_cast<std::size_t>(class_of[static_cast<std::size_t>(x)])](d, e) += 1.0;
    }
  }
  for (int attempt = 0; attempt < 4; ++attempt) {
    Rng rng(0xde9eeULL, static_cast<std::uint64_t>(attempt));
    Eigen::MatrixXd m = Eigen::MatrixXd::Zero(k, k);
    for (int c = 0; c < k; ++c) m += rng.normal() * a[static_cast<std::size_t>(c)];
    const Eigen::EigenSolver<Eigen::MatrixXd> es(m);
    if (es.info() != Eigen::Success) continue;
    std::vector<int> degrees;
    long long sum = 0;
    bool ok = true;
    for (int j = 0; j < k && ok; ++j) {
      Eigen::VectorXcd w = es.eigenvectors().col(j);
      if (std::abs(w(0)) < 1e-12) {
        ok = false;
        break;
      }
      w /= w(0);  // omega(identity) = 1
      double s = 0.0;
      for (int c = 0; c < k; ++c) {
        s += std::norm(w(c)) / static_cast<double>(classes[static_cast<std::size_t>(c)].size());
      }
      const double d2 = static_cast<double>(n) / s;
      const long long d = std::llround(std::sqrt(d2));
      ok = d >= 1 && std::abs(d2 - static_cast<double>(d * d)) < 1e-6 * d2 && n % d == 0;
      degrees.push_back(static_cast<int>(d));
      sum += d * d;
    }
    if (!ok || sum != n) continue;
    std::sort(degrees.begin(), degrees.end());
    return degrees;
  }
  return {};
}

DixonCost dixon_cost_estimate(int n) {
  const double nn = n;
  DixonCost c;
  c.seconds = kDixonSecondsPerCube * nn * nn * nn;
  c.bytes = kDixonBytesPerSquare * nn * nn;
  return c;
}

Eigen::MatrixXcd IrrepSet::character_table() const {
  Eigen::MatrixXcd t(size(), static_cast<Eigen::Index>(classes_.size()));
  for (int i = 0; i < size(); ++i) {
    for (std::size_t c = 0; c < classes_.size(); ++c) {
      t(i, static_cast<Eigen::Index>(c)) =
          irreps_[static_cast<std::size_t>(i)].character[classes_[c].front()];
    }
  }
  return t;
}

}  // namespace symsweep::core
