#include "symsweep/core/irrep_potentials.hpp"

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <cmath>
#include <complex>
#include <limits>
#include <string>

#include "symsweep/core/error.hpp"

namespace symsweep::core {

namespace {

using cd = std::complex<double>;

/// n x d^2 matrix (g, k + d l) -> conj(rho(g)_lk) / n: a row of weights times it is vec of
/// (1/n) sum_g w[g] rho(g)^H (the input convention).
Eigen::MatrixXcd fourier_in(const Irrep& r) {
  const int n = static_cast<int>(r.rho.size());
  const int d = r.dim;
  Eigen::MatrixXcd t(n, static_cast<Eigen::Index>(d) * d);
  for (int g = 0; g < n; ++g) {
    for (int l = 0; l < d; ++l) {
      for (int k = 0; k < d; ++k)
        t(g, k + d * l) = std::conj(r.rho[g](l, k)) / static_cast<double>(n);
    }
  }
  return t;
}

/// n x d^2 matrix (g, k + d l) -> rho(g)_kl / n (the output convention, no ^H).
Eigen::MatrixXcd fourier_out(const Irrep& r) {
  const int n = static_cast<int>(r.rho.size());
  const int d = r.dim;
  Eigen::MatrixXcd t(n, static_cast<Eigen::Index>(d) * d);
  for (int g = 0; g < n; ++g) {
    for (int l = 0; l < d; ++l) {
      for (int k = 0; k < d; ++k) t(g, k + d * l) = r.rho[g](k, l) / static_cast<double>(n);
    }
  }
  return t;
}

/// Real matrix times complex matrix without forming a complex copy of the (large) real one.
Eigen::MatrixXcd real_times_complex(const Eigen::Ref<const Eigen::MatrixXd>& x,
                                    const Eigen::MatrixXcd& y) {
  Eigen::MatrixXcd out(x.rows(), y.cols());
  const Eigen::MatrixXd re = x * y.real();
  const Eigen::MatrixXd im = x * y.imag();
  out.real() = re;
  out.imag() = im;
  return out;
}

/// Orthonormal real basis (n x size) of the real span of the matrix coefficients of irrep r
/// (and of its conjugate): the real and imaginary parts of u_ij = sqrt(d/n) rho_ij. X X^T is
/// the real isotypic projector times 1 (real character) or 1/2 (complex pair), so the kept
/// eigenvalues of the Gram matrix are all 1 or all 1/2: a well-conditioned split.
Eigen::MatrixXd real_block_basis(const Irrep& r, Eigen::Index size) {
  const int n = static_cast<int>(r.rho.size());
  const int d = r.dim;
  const Eigen::Index m = static_cast<Eigen::Index>(d) * d;
  Eigen::MatrixXd x(n, 2 * m);
  const double s = std::sqrt(static_cast<double>(d) / n);
  for (int g = 0; g < n; ++g) {
    for (int j = 0; j < d; ++j) {
      for (int i = 0; i < d; ++i) {
        x(g, i + d * j) = s * r.rho[g](i, j).real();
        x(g, m + i + d * j) = s * r.rho[g](i, j).imag();
      }
    }
  }
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(x.transpose() * x);
  const Eigen::VectorXd& w = es.eigenvalues();
  if (es.info() != Eigen::Success || (w.array() > 0.25).count() != size) {
    return Eigen::MatrixXd();
  }
  Eigen::MatrixXd out = x * es.eigenvectors().rightCols(size);
  for (Eigen::Index i = 0; i < size; ++i) out.col(i) /= std::sqrt(w[2 * m - size + i]);
  return out;
}

// Re(alpha beta conj gamma) = ar br gr - ai bi gr + ar bi gi + ai br gi: per term the sign eps
// and which part (0 = real, 1 = imaginary) of alpha, beta, gamma enters.
constexpr int kReTerms[4][4] = {{1, 0, 0, 0}, {-1, 1, 1, 0}, {1, 0, 1, 1}, {1, 1, 0, 1}};

}  // namespace

IrrepFourier irrep_fourier(const IrrepSet& irreps, const Eigen::Ref<const Eigen::MatrixXd>& z) {
  const int n = irreps.order();
  if (z.cols() != 3 * n) {
    throw InputError("irrep_fourier: particles have " + std::to_string(z.cols()) +
                     " columns; expected 3n = " + std::to_string(3 * n));
  }
  IrrepFourier f;
  const Eigen::MatrixXd sq_a = z.leftCols(n).array().square().matrix();
  const Eigen::MatrixXd sq_b = z.middleCols(n, n).array().square().matrix();
  for (const Irrep& r : irreps.irreps()) {
    const Eigen::MatrixXcd t_in = fourier_in(r);
    f.a.push_back(real_times_complex(z.leftCols(n), t_in));
    f.b.push_back(real_times_complex(z.middleCols(n, n), t_in));
    f.c.push_back(real_times_complex(z.rightCols(n), fourier_out(r)));
    f.sq_a.push_back(real_times_complex(sq_a, t_in));
    f.sq_b.push_back(real_times_complex(sq_b, t_in));
  }
  return f;
}

IrrepPotentials::IrrepPotentials(const IrrepSet& irreps, std::size_t chunk_bytes)
    : n_(irreps.order()), irreps_(irreps.size()), chunk_bytes_(chunk_bytes) {
  const int n = n_;
  basis_.resize(n, n - 1);
  Eigen::Index col = 0;
  std::vector<int> block_of(static_cast<std::size_t>(irreps_), -1);
  // Irrep 0 is the trivial one (IrrepSet order); the constant direction is left out because
  // the centred weights have no component along it.
  for (int i = 1; i < irreps_; ++i) {
    const Irrep& r = irreps[i];
    if (block_of[static_cast<std::size_t>(i)] >= 0) continue;
    Block blk;
    blk.members.push_back(i);
    if (r.conjugate != i) blk.members.push_back(r.conjugate);
    blk.col = col;
    blk.size =
        static_cast<Eigen::Index>(r.dim) * r.dim * static_cast<Eigen::Index>(blk.members.size());
    const Eigen::MatrixXd o = real_block_basis(r, blk.size);
    if (o.size() == 0 || col + blk.size > n - 1) {
      throw Error("group \"" + irreps.spec() + "\": no real orthonormal basis for irrep " +
                  std::to_string(i) + " (dimension " + std::to_string(r.dim) + ")");
    }
    basis_.middleCols(col, blk.size) = o;
    col += blk.size;
    for (int m : blk.members)
      block_of[static_cast<std::size_t>(m)] = static_cast<int>(blocks_.size());
    blocks_.push_back(std::move(blk));
  }
  if (col != n - 1) {
    throw Error("group \"" + irreps.spec() + "\": the isotypic blocks do not fill R^n");
  }
  for (int i = 1; i < irreps_; ++i) {
    const Irrep& r = irreps[i];
    Member m;
    m.irrep = i;
    m.dim = r.dim;
    m.block = block_of[static_cast<std::size_t>(i)];
    m.real = r.real();
    m.t_in = fourier_in(r);
    const Block& blk = blocks_[static_cast<std::size_t>(m.block)];
    m.g_out = basis_.middleCols(blk.col, blk.size).transpose() * fourier_out(r);
    members_.push_back(std::move(m));
  }
}

Eigen::Index IrrepPotentials::chunk_elements() const {
  const double row_bytes = 8.0 * n_ * std::max(n_ - 1, 1);  // one x: n rows of W
  return std::clamp<Eigen::Index>(
      static_cast<Eigen::Index>(static_cast<double>(chunk_bytes_) / row_bytes), 1, n_);
}

std::vector<std::size_t> IrrepPotentials::reduction_sizes() const {
  const auto n = static_cast<std::size_t>(n_);
  const auto r = n - 1;
  const auto cx = static_cast<std::size_t>(chunk_elements());
  std::vector<std::size_t> sizes;
  for (std::size_t x0 = 0; x0 < n; x0 += cx) sizes.push_back(std::min(cx, n - x0) * n * r);
  sizes.front() += 2 * n * r + r + 2;  // V_a, V_b, v and the concentration ride on the first
  // Then every member's M_tau (d^4 x d^2 complex numbers), in pieces of at most chunk_bytes_.
  const std::size_t piece = std::max<std::size_t>(1, chunk_bytes_ / 8);
  for (const Member& m : members_) {
    const auto d2 = static_cast<std::size_t>(m.dim) * static_cast<std::size_t>(m.dim);
    const std::size_t total = 2 * d2 * d2 * d2;
    for (std::size_t off = 0; off < total; off += piece) sizes.push_back(std::min(piece, total - off));
  }
  return sizes;
}

std::size_t IrrepPotentials::reduction_size() const {
  const auto sizes = reduction_sizes();
  std::size_t total = 0;
  for (std::size_t s : sizes) total += s;
  return total;
}

double IrrepPotentials::working_bytes(std::int64_t q_local) const {
  const double n = n_, ql = static_cast<double>(std::max<std::int64_t>(q_local, 1));
  // Stage 1: one chunk of W (with the extras) and a block of K (<= 8 MB); stage 2: one M_tau
  // (16 d^6 bytes), a Khatri-Rao block (<= 32 MB) and the member's coefficients (3 ql d^2
  // complex). Throughout: the centred weights, gamma, the square terms and the energies.
  double stage2 = 0.0;
  for (const Member& m : members_) {
    const double d2 = static_cast<double>(m.dim) * m.dim;
    stage2 = std::max(stage2, 16.0 * d2 * d2 * d2 + 48.0 * ql * d2 + 16.0 * n * d2);
  }
  const double chunk = static_cast<double>(reduction_sizes().front()) * 8.0;
  const double stage1 = chunk + 8.0 * (1 << 20);
  return 8.0 * 8.0 * ql * n + std::max(stage1, stage2 + 32.0 * (1 << 20));
}

IrrepMpSummary IrrepPotentials::summarize(const Eigen::Ref<const Eigen::MatrixXd>& z,
                                          std::int64_t q, Reducer& reducer) const {
  const int n = n_;
  const Eigen::Index r = n - 1;  // basis columns
  const Eigen::Index ql = z.rows();
  if (z.cols() != 3 * n) {
    throw InputError("irrep potentials: particles have " + std::to_string(z.cols()) +
                     " columns; expected 3n = " + std::to_string(3 * n));
  }
  if (q < 1 || q < ql) {
    throw InputError("irrep potentials: global width q = " + std::to_string(q) +
                     " must be >= 1 and >= the local particle count " + std::to_string(ql));
  }

  // W[x, y, k] = sum_j a_j[x] b_j[y] gamma_j[k] (row x n + y, column k) is reduced a few x at a
  // time (chunk_elements(): about chunk_bytes_ per reduction); every quantity below is a sum
  // over x of what one chunk holds, so no rank ever holds all n^2 (n-1) numbers. The first
  // reduction also carries V_a and V_b (n x r), v (1 x r), and the concentration sum and count.
  const std::vector<std::size_t> sizes = reduction_sizes();
  const Eigen::Index cx_max = chunk_elements();
  const Eigen::Index extras = 2 * static_cast<Eigen::Index>(n) * r + r + 2;
  std::vector<double> ext_v(static_cast<std::size_t>(extras), 0.0), buf;
  double* ext = ext_v.data();
  Eigen::Map<Eigen::MatrixXd> va(ext, n, r);
  Eigen::Map<Eigen::MatrixXd> vb(ext + static_cast<Eigen::Index>(n) * r, n, r);
  Eigen::Map<Eigen::RowVectorXd> v(ext + 2 * static_cast<Eigen::Index>(n) * r, r);
  double* conc = ext + 2 * static_cast<Eigen::Index>(n) * r + r;

  Eigen::MatrixXd ac, bc, gamma;
  if (ql > 0) {
    const Eigen::VectorXd ma = z.leftCols(n).rowwise().mean();
    const Eigen::VectorXd mb = z.middleCols(n, n).rowwise().mean();
    ac = z.leftCols(n).colwise() - ma;
    bc = z.middleCols(n, n).colwise() - mb;
    const Eigen::MatrixXd cc = z.rightCols(n).colwise() - z.rightCols(n).rowwise().mean();
    gamma = cc * basis_;  // ql x r

    // Square terms (loss_identity.py's centred form): m_j = mean a_j + mean b_j,
    // s_p = p o p + 2 m p (p centred) without its mean, and the constant part
    // mean(a^2) + mean(b^2) + m^2.
    const Eigen::ArrayXd m = ma + mb;
    Eigen::MatrixXd sa = (ac.array() + 2.0 * m.replicate(1, n)) * ac.array();
    Eigen::MatrixXd sb = (bc.array() + 2.0 * m.replicate(1, n)) * bc.array();
    sa = (sa.colwise() - sa.rowwise().mean()).eval();
    sb = (sb.colwise() - sb.rowwise().mean()).eval();
    const Eigen::VectorXd triv =
        (ac.array().square().rowwise().mean() + bc.array().square().rowwise().mean() + m.square())
            .matrix();
    va.noalias() = sa.transpose() * gamma;
    vb.noalias() = sb.transpose() * gamma;
    v.noalias() = triv.transpose() * gamma;

    // Concentration: each particle's energy per real block, in the same adapted basis.
    const Eigen::MatrixXd energy =
        ((ac * basis_).array().square() + (bc * basis_).array().square() + gamma.array().square())
            .matrix();
    for (Eigen::Index j = 0; j < ql; ++j) {
      double total = 0.0, largest = 0.0;
      for (const Block& blk : blocks_) {
        const double e = energy.row(j).segment(blk.col, blk.size).sum();
        total += e;
        largest = std::max(largest, e);
      }
      if (total > 0.0) {
        conc[0] += largest / total;
        conc[1] += 1.0;
      }
    }
  }

  // Stage 1: per block the squared norm of its W columns, W reduced a few x at a time.
  std::vector<double> quad_sum(blocks_.size(), 0.0);
  // K(j, (x - x0) n + y) = a_j[x] b_j[y] for a few x at a time (<= 8 MB).
  const Eigen::Index kx = std::clamp<Eigen::Index>(
      (Eigen::Index{1} << 20) / std::max<Eigen::Index>(1, ql * n), 1, cx_max);
  Eigen::MatrixXd k(ql, kx * n);
  std::size_t call = 0;
  for (Eigen::Index x0 = 0; x0 < n; x0 += cx_max, ++call) {
    const Eigen::Index cx = std::min(cx_max, n - x0);
    buf.assign(sizes[call], 0.0);
    Eigen::Map<Eigen::MatrixXd> w(buf.data(), cx * n, r);  // rows (x - x0) n + y
    for (Eigen::Index k0 = 0; k0 < cx && ql > 0; k0 += kx) {
      const Eigen::Index ck = std::min(kx, cx - k0);
      for (Eigen::Index i = 0; i < ck; ++i) {
        k.middleCols(i * n, n) = bc.array().colwise() * ac.col(x0 + k0 + i).array();
      }
      w.middleRows(k0 * n, ck * n).noalias() = k.leftCols(ck * n).transpose() * gamma;
    }
    if (call == 0) std::copy(ext_v.begin(), ext_v.end(), buf.end() - extras);
    reducer.sum(buf.data(), buf.size());
    if (call == 0) std::copy(buf.end() - extras, buf.end(), ext_v.begin());
    for (std::size_t bl = 0; bl < blocks_.size(); ++bl) {
      quad_sum[bl] += w.middleCols(blocks_[bl].col, blocks_[bl].size).squaredNorm();
    }
  }
  buf = std::vector<double>();
  k.resize(0, 0);

  const double qd = static_cast<double>(q);
  const double nd = static_cast<double>(n);
  IrrepMpSummary out;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  out.rho = Eigen::VectorXd::Constant(irreps_, nan);
  out.gap = Eigen::VectorXd::Constant(irreps_, nan);
  out.l = Eigen::VectorXd::Zero(irreps_);
  out.off_target = Eigen::VectorXd::Zero(irreps_);
  out.concentration = conc[1] > 0.0 ? conc[0] / conc[1] : nan;

  // Stage 2, per member: M_tau = (d^2 / q) sum_j alpha_j (x) beta_j (x) gammahat_j with the
  // particles' Fourier coefficients alpha_j = a_j t_in, beta_j = b_j t_in and
  // gammahat_j = gamma_j g_out (the same tensor as W contracted with t_in, t_in and g_out:
  // q d^6 instead of n^2 d^4 work), summed over the local particles, then reduced in pieces.
  for (const Member& mem : members_) {
    const Block& blk = blocks_[static_cast<std::size_t>(mem.block)];
    const int d = mem.dim;
    const Eigen::Index d2 = static_cast<Eigen::Index>(d) * d;
    const double members = static_cast<double>(blk.members.size());
    Eigen::MatrixXcd mt = Eigen::MatrixXcd::Zero(d2 * d2, d2);  // (b + d^2 a, c)
    if (ql > 0) {
      const Eigen::MatrixXd tr_in = mem.t_in.real(), ti_in = mem.t_in.imag();
      Eigen::MatrixXcd al(ql, d2), be(ql, d2);
      al.real() = ac * tr_in;
      al.imag() = ac * ti_in;
      be.real() = bc * tr_in;
      be.imag() = bc * ti_in;
      const Eigen::MatrixXcd ga = gamma.middleCols(blk.col, blk.size) * mem.g_out;  // ql x d^2
      // Khatri-Rao rows a few particles at a time: p((b + d^2 a), j) = alpha_j[a] beta_j[b].
      const Eigen::Index jc = std::clamp<Eigen::Index>(
          static_cast<Eigen::Index>((std::size_t{32} << 20) / (16 * std::size_t(d2 * d2))), 1,
          ql);
      Eigen::MatrixXcd p(d2 * d2, jc);
      for (Eigen::Index j0 = 0; j0 < ql; j0 += jc) {
        const Eigen::Index cj = std::min(jc, ql - j0);
        for (Eigen::Index j = 0; j < cj; ++j) {
          for (Eigen::Index a = 0; a < d2; ++a) {
            p.col(j).segment(a * d2, d2) = al(j0 + j, a) * be.row(j0 + j).transpose();
          }
        }
        mt.noalias() += p.leftCols(cj) * ga.middleRows(j0, cj);
      }
    }
    // The reduction, in pieces of at most chunk_bytes_ (std::complex is two doubles).
    double* md = reinterpret_cast<double*>(mt.data());
    const std::size_t total = 2 * static_cast<std::size_t>(mt.size());
    const std::size_t piece = std::max<std::size_t>(1, chunk_bytes_ / 8);
    for (std::size_t off = 0; off < total; off += piece, ++call) {
      reducer.sum(md + off, std::min(piece, total - off));
    }
    mt *= static_cast<double>(d2) / qd;

    // Plancherel on the a and b axes: sum_{rho, sigma} d_rho d_sigma ||R^{rho sigma tau}||^2
    // times d_tau is the block's squared norm over n^3 q^2 (split evenly in a pair).
    const double quad =
        quad_sum[static_cast<std::size_t>(mem.block)] / (nd * nd * nd * qd * qd * members);
    const double sq = v.segment(blk.col, blk.size).squaredNorm() / (4.0 * nd * members * qd * qd) +
                      (va.middleCols(blk.col, blk.size).squaredNorm() +
                       vb.middleCols(blk.col, blk.size).squaredNorm()) /
                          (4.0 * nd * nd * members * qd * qd);

    // I_tau: ones at (A_ji, B_lj, C_il); E tr(B A C) = <M, I> / d^2.
    cd tr = 0.0;
    const double norm2 = mt.squaredNorm();
    for (int ii = 0; ii < d; ++ii) {
      for (int j = 0; j < d; ++j) {
        for (int l = 0; l < d; ++l) {
          cd& e = mt((l + d * j) + d2 * (j + d * ii), ii + d * l);
          tr += e;
          e -= 1.0;
        }
      }
    }
    tr /= static_cast<double>(d2);
    const double gap2 = mt.squaredNorm();  // ||M - I||^2, from M directly
    const double dd = static_cast<double>(d);
    out.rho[mem.irrep] = tr.real() / dd;
    out.gap[mem.irrep] = std::sqrt(gap2) / std::pow(dd, 1.5);
    out.l[mem.irrep] = -2.0 * dd * tr.real() + quad + sq;
    out.off_target[mem.irrep] = quad - norm2 / dd + sq;
    out.off_target_energy += out.off_target[mem.irrep];
    out.binary_gap = std::max(out.binary_gap, out.gap[mem.irrep]);
  }
  out.full_loss_sum_from_mps = nd * out.l.sum() + nd * (nd - 1.0);
  return out;
}

IrrepMpSummary irrep_potentials(const IrrepSet& irreps, const Eigen::Ref<const Eigen::MatrixXd>& z,
                                std::int64_t q, Reducer& reducer) {
  return IrrepPotentials(irreps).summarize(z, q, reducer);
}

Eigen::MatrixXd exact_irrep_solution(const IrrepSet& irreps) {
  const int n = irreps.order();
  Eigen::Index total = 0;
  for (int t = 1; t < irreps.size(); ++t) {
    const Irrep& r = irreps[t];
    total += 4 * static_cast<Eigen::Index>(r.dim) * r.dim * r.dim * (r.real() ? 1 : 4);
  }
  Eigen::MatrixXd z(total, 3 * n);
  const double q = static_cast<double>(total);
  Eigen::VectorXd fa(n), fb(n), fc(n);
  Eigen::Index row = 0;
  for (int t = 1; t < irreps.size(); ++t) {
    const Irrep& r = irreps[t];
    const int d = r.dim;
    const double kappa = std::cbrt(q * d / 4.0);
    for (int i = 0; i < d; ++i) {
      for (int j = 0; j < d; ++j) {
        for (int l = 0; l < d; ++l) {
          // alpha = tau_ij(a1), beta = tau_jl(a2), gamma = tau_il(c); a real irrep has only the
          // first term.
          const int terms = r.real() ? 1 : 4;
          for (int term = 0; term < terms; ++term) {
            const int* p = kReTerms[term];
            for (int g = 0; g < n; ++g) {
              const cd al = r.rho[g](i, j), be = r.rho[g](j, l), ga = r.rho[g](i, l);
              fa[g] = p[1] == 0 ? al.real() : al.imag();
              fb[g] = p[2] == 0 ? be.real() : be.imag();
              fc[g] = p[3] == 0 ? ga.real() : ga.imag();
            }
            for (int s1 : {1, -1}) {
              for (int s2 : {1, -1}) {
                z.row(row).segment(0, n) = (s1 * kappa) * fa.transpose();
                z.row(row).segment(n, n) = (s2 * kappa) * fb.transpose();
                z.row(row).segment(2 * n, n) = (p[0] * s1 * s2 * kappa) * fc.transpose();
                ++row;
              }
            }
          }
        }
      }
    }
  }
  return z;
}

}  // namespace symsweep::core
