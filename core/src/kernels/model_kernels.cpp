// Kernels of the particle model (docs/model.md), compiled once per instruction-set level:
// see kernels.hpp.
#include <algorithm>
#include <cmath>
#include <limits>

#include "kernels/kernels.hpp"

namespace symsweep::core::SYMSWEEP_ISA_NS {

namespace {

/// Pairs per chunk of `pairs` pairs, by loss_chunk_pairs for the team's largest shard,
/// ceil(q / P): the same on every rank of the team, whose shards may differ by one particle,
/// so that all of them make the same reductions.
template <typename T>
std::size_t team_chunk(const Particles<T>& p, std::size_t pairs, const Reducer& reducer) {
  const std::int64_t ranks = std::max(reducer.size(), 1);
  const std::int64_t shard = (p.global_count + ranks - 1) / ranks;
  return static_cast<std::size_t>(
      loss_chunk_pairs(shard, p.n(), static_cast<std::int64_t>(pairs), sizeof(T)));
}

/// Global outputs o (n x count) of samples [begin, begin + count), times q (not yet averaged).
template <typename T>
void forward_block(const Particles<T>& p, const Samples& s, std::size_t begin, std::size_t count,
                   Reducer& reducer, typename Particles<T>::Mat& h,
                   typename Particles<T>::Mat& out) {
  h.resize(p.local_count(), static_cast<Eigen::Index>(count));
  for (std::size_t i = 0; i < count; ++i) {
    h.col(i) = (p.a.col(s.a1[begin + i]) + p.b.col(s.a2[begin + i])).array().square();
  }
  out.noalias() = p.c.transpose() * h;
  reducer.sum(out.data(), static_cast<std::size_t>(out.size()));
}


}  // namespace

template <typename T>
typename Particles<T>::Mat outputs(const Particles<T>& p, const Samples& samples,
                                   Reducer& reducer) {
  using Mat = typename Particles<T>::Mat;
  Mat result(p.n(), static_cast<Eigen::Index>(samples.size()));
  Mat h, out;
  const T inv_q = T(1) / static_cast<T>(p.global_count);
  const std::size_t chunk = team_chunk(p, samples.size(), reducer);
  for (std::size_t begin = 0; begin < samples.size(); begin += chunk) {
    const std::size_t count = std::min(chunk, samples.size() - begin);
    forward_block(p, samples, begin, count, reducer, h, out);
    result.middleCols(static_cast<Eigen::Index>(begin), static_cast<Eigen::Index>(count)) =
        out * inv_q;
  }
  return result;
}

namespace {

/// One sample's loss under `head` from its raw output column (C^T S: the sum over particles,
/// not yet multiplied by the gain), in double.
template <typename Col>
double sample_loss(const Col& col, int y, double gain, const Head& head, Eigen::VectorXd& r) {
  const auto n = static_cast<double>(col.size());
  r = col.template cast<double>() * gain;
  if (head.loss == Loss::kCrossEntropy) {
    const double top = r.maxCoeff();
    return std::log((r.array() - top).exp().sum()) + top - r[y];
  }
  const Loss loss = head.loss;
  if (head.targets) {
    r -= head.targets->col(y);
  } else {
    r[y] -= 1.0;
  }
  if (loss == Loss::kMse) return r.squaredNorm() / n;
  r.array() -= r.mean();
  return r.squaredNorm();
}

}  // namespace

template <typename T>
Evaluation evaluate(const Particles<T>& p, const Samples& samples, Reducer& reducer,
                    const Head& head) {
  Evaluation ev;
  ev.count = samples.size();
  if (samples.size() == 0) {
    ev.loss = ev.accuracy = std::numeric_limits<double>::quiet_NaN();
    return ev;
  }
  typename Particles<T>::Mat h, out;
  const int n = p.n();
  const double gain =
      head.gain != 0.0 ? head.gain : 1.0 / (static_cast<double>(p.global_count) * 2.0 * n);
  std::size_t correct = 0;
  Eigen::VectorXd r(n);
  const std::size_t chunk = team_chunk(p, samples.size(), reducer);
  for (std::size_t begin = 0; begin < samples.size(); begin += chunk) {
    const std::size_t count = std::min(chunk, samples.size() - begin);
    forward_block(p, samples, begin, count, reducer, h, out);
    for (std::size_t i = 0; i < count; ++i) {
      const auto col = out.col(static_cast<Eigen::Index>(i));
      Eigen::Index best = 0;
      col.maxCoeff(&best);
      const int y = samples.y[begin + i];
      if (best == y) ++correct;
      ev.loss_sum += sample_loss(col, y, gain, head, r);
    }
  }
  ev.loss = ev.loss_sum / static_cast<double>(samples.size());
  ev.accuracy = static_cast<double>(correct) / static_cast<double>(samples.size());
  return ev;
}

template <typename T>
double loss_and_gradient(const Particles<T>& p, const Samples& train, Reducer& reducer,
                         Workspace<T>& ws, Gradient<T>& grad, const Head& head) {
  const int n = p.n();
  const Eigen::Index m = static_cast<Eigen::Index>(train.size());
  const Eigen::Index ql = p.local_count();
  const Eigen::Index chunk = static_cast<Eigen::Index>(
      ws.chunk_pairs > 0 ? ws.chunk_pairs
                         : static_cast<std::int64_t>(team_chunk(p, train.size(), reducer)));
  auto& h = ws.h;
  auto& s = ws.s;
  auto& g = ws.out;
  grad.a.setZero(ql, n);
  grad.b.setZero(ql, n);
  grad.c.setZero(ql, n);
  // The output f = gain C^T S and, per sample, dH/d(C^T S) = gain dH/df: the gain and the 1/m
  // of the mean are folded into one factor here so that no product needs a separate scaling
  // pass. Mean-field (gain 0 in the Head): f = o/(2n) with o = (1/q) C^T S, the residual
  // r = P(f - e_y), dH/df = 2r/m, and the factor 1/(n m q) as before the Head existed.
  const bool mean_field = head.gain == 0.0;
  const T gain = mean_field
                     ? T(1) / (static_cast<T>(p.global_count) * T(2) * static_cast<T>(n))
                     : static_cast<T>(head.gain);
  // dH/df per sample: centred-mse 2r/m, mse 2r/(n m), cross-entropy (softmax - e_y)/m. The
  // mean-field centred-mse factor 1/(n m q) is formed in T as before the Head existed.
  const double gain_d =
      mean_field ? 1.0 / (static_cast<double>(p.global_count) * 2.0 * n) : head.gain;
  const double per_loss = head.loss == Loss::kCentredMse ? 2.0
                          : head.loss == Loss::kMse     ? 2.0 / n
                                                         : 1.0;
  const T grad_scale =
      mean_field && head.loss == Loss::kCentredMse
          ? T(1) / (static_cast<T>(n) * static_cast<T>(m) * static_cast<T>(p.global_count))
          : static_cast<T>(per_loss * gain_d / static_cast<double>(m));
  const T inv_n = T(1) / static_cast<T>(n);
  // A partial task's targets (Head::targets) in T, column y for label y.
  const typename Particles<T>::Mat targets =
      head.targets ? head.targets->template cast<T>() : typename Particles<T>::Mat();
  const bool dense_targets = head.targets != nullptr;
  double loss = 0.0;
  // The training pairs in chunks: memory O(q_local (chunk + n)) whatever |T|. Each chunk's
  // outputs are made global by one reduction before its backward pass.
  for (Eigen::Index begin = 0; begin < m; begin += chunk) {
    const Eigen::Index cnt = std::min(chunk, m - begin);
    const int* a1 = train.a1.data() + begin;
    const int* a2 = train.a2.data() + begin;
    const int* y = train.y.data() + begin;
    h.resize(ql, cnt);
    s.resize(ql, cnt);
    for (Eigen::Index i = 0; i < cnt; ++i) {
      h.col(i) = p.a.col(a1[i]) + p.b.col(a2[i]);
      s.col(i) = h.col(i).array().square();
    }
    // C^T S, the sum over particles made global by the reducer.
    g.noalias() = p.c.transpose() * s;
    reducer.sum(g.data(), static_cast<std::size_t>(g.size()));
    for (Eigen::Index i = 0; i < cnt; ++i) {
      auto col = g.col(i);
      col *= gain;  // f
      switch (head.loss) {
        case Loss::kCentredMse:
          if (dense_targets) {
            col -= targets.col(y[i]);
          } else {
            col[y[i]] -= T(1);
          }
          col.array() -= col.mean();
          loss += static_cast<double>(col.squaredNorm());
          break;
        case Loss::kMse:
          if (dense_targets) {
            col -= targets.col(y[i]);
          } else {
            col[y[i]] -= T(1);
          }
          loss += static_cast<double>(col.squaredNorm() * inv_n);
          break;
        case Loss::kCrossEntropy: {
          const T top = col.maxCoeff();
          const T fy = col[y[i]];
          col.array() = (col.array() - top).exp();
          const T z = col.sum();
          loss += std::log(static_cast<double>(z)) + static_cast<double>(top - fy);
          col /= z;  // softmax(f)
          col[y[i]] -= T(1);
          break;
        }
      }
      col *= grad_scale;
    }
    grad.c.noalias() += s * g.transpose();  // dH/dC = S G^T
    s.noalias() = p.c * g;                  // dH/dS = C G, reusing S's buffer
    for (Eigen::Index i = 0; i < cnt; ++i) {
      h.col(i) = T(2) * h.col(i).cwiseProduct(s.col(i));  // dH/dh = 2 h * dH/dS
      grad.a.col(a1[i]) += h.col(i);
      grad.b.col(a2[i]) += h.col(i);
    }
  }
  return loss / static_cast<double>(m);
}

template <typename T>
void adamw_update(typename Particles<T>::Mat& w, const typename Particles<T>::Mat& g,
                  typename Particles<T>::Mat& m, typename Particles<T>::Mat& v,
                  const TrainConfig& cfg, double bc1, double bc2) {
  const T lr = static_cast<T>(cfg.lr);
  const T decay = static_cast<T>(1.0 - cfg.lr * cfg.weight_decay);
  const T b1 = static_cast<T>(cfg.beta1), b2 = static_cast<T>(cfg.beta2);
  const T step = lr / static_cast<T>(bc1);
  const T inv_sqrt_bc2 = static_cast<T>(1.0 / std::sqrt(bc2));
  const T eps = static_cast<T>(cfg.adam_eps);
  if (cfg.optimizer == Optimizer::kAdam) {
    // PyTorch's Adam: the L2 term wd w joins the gradient; no decoupled decay.
    const T wd = static_cast<T>(cfg.weight_decay);
    m.array() = b1 * m.array() + (T(1) - b1) * (g.array() + wd * w.array());
    v.array() = b2 * v.array() + (T(1) - b2) * (g.array() + wd * w.array()).square();
    w.array() -= step * m.array() / (v.array().sqrt() * inv_sqrt_bc2 + eps);
    return;
  }
  m.array() = b1 * m.array() + (T(1) - b1) * g.array();
  v.array() = b2 * v.array() + (T(1) - b2) * g.array().square();
  w.array() = decay * w.array() - step * m.array() / (v.array().sqrt() * inv_sqrt_bc2 + eps);
}

template <typename T>
void gd_update(typename Particles<T>::Mat& w, const typename Particles<T>::Mat& g, T decay,
               T step) {
  w = decay * w - step * g;
}

template <typename T>
void sgd_update(typename Particles<T>::Mat& w, const typename Particles<T>::Mat& g,
                typename Particles<T>::Mat& buf, const TrainConfig& cfg) {
  const T lr = static_cast<T>(cfg.lr);
  const T wd = static_cast<T>(cfg.weight_decay);
  if (cfg.momentum == 0.0) {
    w.array() -= lr * (g.array() + wd * w.array());
    return;
  }
  // The buffer starts at zero, so its first value is d itself, as PyTorch's first step sets it.
  buf.array() = static_cast<T>(cfg.momentum) * buf.array() + (g.array() + wd * w.array());
  w.array() -= lr * buf.array();
}

#define SYMSWEEP_INSTANTIATE(T)                                                             \
  template Evaluation evaluate<T>(const Particles<T>&, const Samples&, Reducer&, const Head&); \
  template Particles<T>::Mat outputs<T>(const Particles<T>&, const Samples&, Reducer&);     \
  template double loss_and_gradient<T>(const Particles<T>&, const Samples&, Reducer&,      \
                                       Workspace<T>&, Gradient<T>&, const Head&);           \
  template void adamw_update<T>(Particles<T>::Mat&, const Particles<T>::Mat&,              \
                                Particles<T>::Mat&, Particles<T>::Mat&, const TrainConfig&, \
                                double, double);                                            \
  template void gd_update<T>(Particles<T>::Mat&, const Particles<T>::Mat&, T, T);          \
  template void sgd_update<T>(Particles<T>::Mat&, const Particles<T>::Mat&, Particles<T>::Mat&, \
                              const TrainConfig&);
SYMSWEEP_INSTANTIATE(float)
SYMSWEEP_INSTANTIATE(double)
#undef SYMSWEEP_INSTANTIATE

}  // namespace symsweep::core::SYMSWEEP_ISA_NS
