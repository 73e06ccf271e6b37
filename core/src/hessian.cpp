#include "symsweep/core/hessian.hpp"

#ifdef SYMSWEEP_HAVE_SPECTRA
#include <Spectra/SymEigsSolver.h>
#endif

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <cmath>
#include <functional>
#include <random>

#include "symsweep/core/error.hpp"

namespace symsweep::core {

namespace {

using Mat = Eigen::MatrixXd;

/// The per-sample loss derivatives of `head` at output columns F (n x cnt, the gain applied):
/// G = grad l / m, and U = (hess l) DF / m.
void loss_derivatives(const Head& head, const Mat& f, const Mat& df, const int* y, double inv_m,
                      Mat& g, Mat& u) {
  const Eigen::Index n = f.rows(), cnt = f.cols();
  g = f;
  u = df;
  for (Eigen::Index i = 0; i < cnt; ++i) {
    auto gi = g.col(i);
    auto ui = u.col(i);
    switch (head.loss) {
      case Loss::kCentredMse:
      case Loss::kMse: {
        if (head.targets) {
          gi -= head.targets->col(y[i]);
        } else {
          gi[y[i]] -= 1.0;
        }
        if (head.loss == Loss::kCentredMse) {
          gi.array() -= gi.mean();  // grad = 2 P (f - t), hess = 2 P
          ui.array() -= ui.mean();
          gi *= 2.0 * inv_m;
          ui *= 2.0 * inv_m;
        } else {
          gi *= 2.0 * inv_m / static_cast<double>(n);  // grad = 2 (f - t) / n, hess = 2 I / n
          ui *= 2.0 * inv_m / static_cast<double>(n);
        }
        break;
      }
      case Loss::kCrossEntropy: {
        const double top = gi.maxCoeff();
        gi = (gi.array() - top).exp().matrix();
        gi /= gi.sum();  // softmax
        const double pu = gi.dot(ui);
        ui = (gi.array() * (ui.array() - pu)).matrix() * inv_m;  // (diag p - p p^T) df
        gi[y[i]] -= 1.0;
        gi *= inv_m;
        break;
      }
    }
  }
}

/// The Hessian as an operator on the full 3nq vector (particle j's entries at j*3n ..): each
/// rank applies it to its rows and one sum-reduction assembles the product.
class HessianOp {
 public:
  using Scalar = double;
  HessianOp(const Particles<double>& p, const Samples& train, Reducer& reducer, const Head& head)
      : p_(p), train_(train), reducer_(reducer), head_(head) {}
  /// Applies H + shift I instead of H.
  void set_shift(double shift) { shift_ = shift; }
  Eigen::Index rows() const { return static_cast<Eigen::Index>(p_.global_count) * 3 * p_.n(); }
  Eigen::Index cols() const { return rows(); }
  void perform_op(const double* x, double* y) const {
    const int n = p_.n();
    const Eigen::Index ql = p_.local_count();
    const double* local = x + p_.offset * 3 * n;
    for (int blk = 0; blk < 3; ++blk) {
      Mat& m = blk == 0 ? v_.a : blk == 1 ? v_.b : v_.c;
      m.resize(ql, n);
      for (Eigen::Index j = 0; j < ql; ++j) {
        for (int i = 0; i < n; ++i) m(j, i) = local[j * 3 * n + blk * n + i];
      }
    }
    hessian_vector_product(p_, train_, reducer_, head_, v_, out_);
    std::fill(y, y + rows(), 0.0);
    double* mine = y + p_.offset * 3 * n;
    for (int blk = 0; blk < 3; ++blk) {
      const Mat& m = blk == 0 ? out_.a : blk == 1 ? out_.b : out_.c;
      for (Eigen::Index j = 0; j < ql; ++j) {
        for (int i = 0; i < n; ++i) mine[j * 3 * n + blk * n + i] = m(j, i);
      }
    }
    if (reducer_.size() > 1) reducer_.sum(y, static_cast<std::size_t>(rows()));
    if (shift_ != 0.0) {
      for (Eigen::Index i = 0; i < rows(); ++i) y[i] += shift_ * x[i];
    }
  }

 private:
  const Particles<double>& p_;
  const Samples& train_;
  Reducer& reducer_;
  const Head& head_;
  double shift_ = 0.0;
  mutable Gradient<double> v_, out_;
};

#ifdef SYMSWEEP_HAVE_SPECTRA
template <Spectra::SortRule Rule>
std::vector<double> extreme(HessianOp& op, int k, const SpectrumOptions& o, bool& converged,
                            int& products) {
  const auto dim = op.rows();
  const auto ncv = static_cast<Eigen::Index>(std::min<Eigen::Index>(dim, std::max(4 * k, 48)));
  Spectra::SymEigsSolver<HessianOp> eigs(op, k, ncv);
  eigs.init();
  eigs.compute(Rule, o.max_iterations, o.tolerance, Rule);
  converged &= eigs.info() == Spectra::CompInfo::Successful;
  products += static_cast<int>(eigs.num_operations());
  const Eigen::VectorXd values = eigs.eigenvalues();
  return {values.data(), values.data() + values.size()};
}
#endif

}  // namespace

void hessian_vector_product(const Particles<double>& p, const Samples& train, Reducer& reducer,
                            const Head& head, const Gradient<double>& v, Gradient<double>& out) {
  const int n = p.n();
  const Eigen::Index m = static_cast<Eigen::Index>(train.size());
  const Eigen::Index ql = p.local_count();
  const double gain =
      head.gain != 0.0 ? head.gain : 1.0 / (static_cast<double>(p.global_count) * 2.0 * n);
  const double inv_m = 1.0 / static_cast<double>(m);
  out.a.setZero(ql, n);
  out.b.setZero(ql, n);
  out.c.setZero(ql, n);
  const std::int64_t ranks = std::max(reducer.size(), 1);
  const Eigen::Index chunk = std::max<Eigen::Index>(
      1, loss_chunk_pairs((p.global_count + ranks - 1) / ranks, n, m, sizeof(double)));
  Mat h, dh, s, hdh, fdf, g, u, cu, t;
  for (Eigen::Index begin = 0; begin < m; begin += chunk) {
    const Eigen::Index cnt = std::min(chunk, m - begin);
    const int* a1 = train.a1.data() + begin;
    const int* a2 = train.a2.data() + begin;
    const int* y = train.y.data() + begin;
    h.resize(ql, cnt);
    dh.resize(ql, cnt);
    for (Eigen::Index i = 0; i < cnt; ++i) {
      h.col(i) = p.a.col(a1[i]) + p.b.col(a2[i]);
      dh.col(i) = v.a.col(a1[i]) + v.b.col(a2[i]);
    }
    s = h.array().square().matrix();
    hdh = 2.0 * h.cwiseProduct(dh);  // d s along v
    // F and dF side by side, made global by one reduction.
    fdf.resize(n, 2 * cnt);
    fdf.leftCols(cnt).noalias() = gain * (p.c.transpose() * s);
    fdf.rightCols(cnt).noalias() = gain * (v.c.transpose() * s + p.c.transpose() * hdh);
    reducer.sum(fdf.data(), static_cast<std::size_t>(fdf.size()));
    loss_derivatives(head, fdf.leftCols(cnt), fdf.rightCols(cnt), y, inv_m, g, u);
    // d/dC: the Gauss-Newton term S U^T and the second derivative (d s) G^T.
    out.c.noalias() += gain * (s * u.transpose() + hdh * g.transpose());
    // d/dh: 2 h (C U + V_c G) + 2 dh (C G), scattered to w_a[a1] and w_b[a2].
    cu.noalias() = p.c * u + v.c * g;
    t.noalias() = p.c * g;
    cu = 2.0 * gain * (h.cwiseProduct(cu) + dh.cwiseProduct(t));
    for (Eigen::Index i = 0; i < cnt; ++i) {
      out.a.col(a1[i]) += cu.col(i);
      out.b.col(a2[i]) += cu.col(i);
    }
  }
}

std::vector<std::array<double, 3>> lanczos_quadrature(
    Eigen::Index dim, const std::function<void(const double*, double*)>& apply, int probes,
    int steps, double cut, unsigned seed) {
  std::vector<std::array<double, 3>> out;
  if (dim < 1 || probes < 1 || steps < 1) return out;
  const auto m = static_cast<Eigen::Index>(std::min<Eigen::Index>(steps, dim));
  std::mt19937_64 rng(seed);
  Mat q(dim, m);  // the Lanczos basis, kept for full reorthogonalisation
  Eigen::VectorXd w(dim), alpha(m), beta(m);
  for (int r = 0; r < probes; ++r) {
    for (Eigen::Index i = 0; i < dim; ++i) q(i, 0) = (rng() & 1U) != 0U ? 1.0 : -1.0;
    q.col(0) /= std::sqrt(static_cast<double>(dim));
    Eigen::Index used = m;
    for (Eigen::Index j = 0; j < m; ++j) {
      apply(q.col(j).data(), w.data());
      alpha[j] = q.col(j).dot(w);
      // Two passes of classical Gram-Schmidt against the whole basis keep it orthogonal in
      // floating point, so no spurious copies of converged eigenvalues appear among the nodes.
      for (int pass = 0; pass < 2; ++pass) {
        w.noalias() -= q.leftCols(j + 1) * (q.leftCols(j + 1).transpose() * w);
      }
      if (j + 1 == m) break;
      beta[j] = w.norm();
      if (beta[j] <= 1e-12 * std::abs(alpha[j]) || beta[j] == 0.0) {
        used = j + 1;  // an invariant subspace: the quadrature is exact with j + 1 nodes
        break;
      }
      q.col(j + 1) = w / beta[j];
    }
    Mat t = Mat::Zero(used, used);
    for (Eigen::Index j = 0; j < used; ++j) {
      t(j, j) = alpha[j];
      if (j + 1 < used) t(j, j + 1) = t(j + 1, j) = beta[j];
    }
    const Eigen::SelfAdjointEigenSolver<Mat> es(t);
    std::array<double, 3> est{0.0, 0.0, 0.0};
    for (Eigen::Index j = 0; j < used; ++j) {
      const double theta = es.eigenvalues()[j];
      const double tau = es.eigenvectors()(0, j) * es.eigenvectors()(0, j);
      est[0] += theta < -cut ? tau : 0.0;
      est[1] += theta > cut ? tau : 0.0;
      est[2] += theta > 0.0 ? tau * theta / (theta + cut) : 0.0;
    }
    for (double& e : est) e *= static_cast<double>(dim);
    out.push_back(est);
  }
  return out;
}

Spectrum hessian_spectrum(const Particles<double>& p, const Samples& train, Reducer& reducer,
                          const Head& head, const SpectrumOptions& options) {
#ifndef SYMSWEEP_HAVE_SPECTRA
  (void)p, (void)train, (void)reducer, (void)head, (void)options;
  throw Error("the Hessian spectrum needs Spectra (libspectra-dev), which this build did not find");
#else
  HessianOp op(p, train, reducer, head);
  Spectrum sp;
  sp.dimension = op.rows();
  const int k = static_cast<int>(std::min<std::int64_t>(options.k, (sp.dimension - 1) / 2));
  if (k < 1) return sp;
  sp.largest = extreme<Spectra::SortRule::LargestAlge>(op, k, options, sp.converged, sp.products);
  // The small end of H + s I with s = the largest |lambda| found: Spectra's tolerance is
  // relative to each eigenvalue, and the small end of a Hessian crowds around 0, where a
  // relative tolerance asks for an absolute accuracy no iteration reaches. Shifted, every
  // eigenvalue there is about s and the tolerance is relative to the spectrum's scale.
  double shift = 0.0;
  for (const double l : sp.largest) shift = std::max(shift, std::abs(l));
  op.set_shift(shift);
  sp.smallest = extreme<Spectra::SortRule::SmallestAlge>(op, k, options, sp.converged, sp.products);
  for (double& l : sp.smallest) l -= shift;
  std::sort(sp.largest.begin(), sp.largest.end(), std::greater<>());
  std::sort(sp.smallest.begin(), sp.smallest.end());
  for (const double l : sp.largest) sp.scale = std::max(sp.scale, std::abs(l));
  for (const double l : sp.smallest) sp.scale = std::max(sp.scale, std::abs(l));
  const double cut = options.threshold * sp.scale;
  for (const double l : sp.smallest) sp.negative += l < -cut ? 1 : 0;
  for (const double l : sp.largest) sp.large += l > cut ? 1 : 0;
  if (options.probes > 0 && cut > 0.0) {
    op.set_shift(0.0);
    int calls = 0;
    const auto per_probe = lanczos_quadrature(
        sp.dimension,
        [&](const double* x, double* y) {
          ++calls;
          op.perform_op(x, y);
        },
        options.probes, options.quadrature_steps, cut, options.seed);
    SpectralDensity d;
    d.probes = static_cast<int>(per_probe.size());
    auto mean_se = [&](int i, double& mean, double& se) {
      mean = 0.0;
      for (const auto& e : per_probe) mean += e[i];
      mean /= d.probes;
      double var = 0.0;
      for (const auto& e : per_probe) var += (e[i] - mean) * (e[i] - mean);
      se = d.probes > 1 ? std::sqrt(var / (d.probes - 1) / d.probes) : 0.0;
    };
    mean_se(0, d.negative, d.negative_se);
    mean_se(1, d.large, d.large_se);
    mean_se(2, d.effective_dimension, d.effective_dimension_se);
    sp.products += calls;
    sp.density = d;
  }
  return sp;
#endif
}

}  // namespace symsweep::core
