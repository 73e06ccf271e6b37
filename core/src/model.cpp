#include "symsweep/core/model.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "random.hpp"

namespace symsweep::core {

ShardRange shard_range(std::int64_t q, int ranks, int rank) {
  const std::int64_t base = q / ranks;
  const std::int64_t extra = q % ranks;
  ShardRange r;
  r.count = base + (rank < extra ? 1 : 0);
  r.offset = rank * base + std::min<std::int64_t>(rank, extra);
  return r;
}

template <typename T>
Eigen::MatrixXd Particles<T>::stacked() const {
  const int n = this->n();
  Eigen::MatrixXd z(local_count(), 3 * n);
  z.leftCols(n) = a.template cast<double>();
  z.middleCols(n, n) = b.template cast<double>();
  z.rightCols(n) = c.template cast<double>();
  return z;
}

template <typename T>
Particles<T> init_particles(int n, std::int64_t width, ShardRange range, double scale,
                            std::uint64_t seed) {
  Particles<T> p;
  p.offset = range.offset;
  p.global_count = width;
  p.a.resize(range.count, n);
  p.b.resize(range.count, n);
  p.c.resize(range.count, n);
  for (std::int64_t j = 0; j < range.count; ++j) {
    Rng rng(seed, static_cast<std::uint64_t>(range.offset + j));
    for (int i = 0; i < n; ++i) p.a(j, i) = static_cast<T>(scale * rng.normal());
    for (int i = 0; i < n; ++i) p.b(j, i) = static_cast<T>(scale * rng.normal());
    for (int i = 0; i < n; ++i) p.c(j, i) = static_cast<T>(scale * rng.normal());
  }
  return p;
}

template <typename T>
Particles<T> particles_from_stacked(const Eigen::MatrixXd& z, ShardRange range) {
  const int n = static_cast<int>(z.cols() / 3);
  Particles<T> p;
  p.offset = range.offset;
  p.global_count = z.rows();
  p.a = z.block(range.offset, 0, range.count, n).template cast<T>();
  p.b = z.block(range.offset, n, range.count, n).template cast<T>();
  p.c = z.block(range.offset, 2 * n, range.count, n).template cast<T>();
  return p;
}

namespace {

constexpr std::size_t kChunk = 2048;

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
Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic> outputs(const Particles<T>& p,
                                                        const Samples& samples, Reducer& reducer) {
  using Mat = typename Particles<T>::Mat;
  Mat result(p.n(), static_cast<Eigen::Index>(samples.size()));
  Mat h, out;
  const T inv_q = T(1) / static_cast<T>(p.global_count);
  for (std::size_t begin = 0; begin < samples.size(); begin += kChunk) {
    const std::size_t count = std::min(kChunk, samples.size() - begin);
    forward_block(p, samples, begin, count, reducer, h, out);
    result.middleCols(static_cast<Eigen::Index>(begin), static_cast<Eigen::Index>(count)) =
        out * inv_q;
  }
  return result;
}

template <typename T>
Evaluation evaluate(const Particles<T>& p, const Samples& samples, Reducer& reducer) {
  Evaluation ev;
  ev.count = samples.size();
  if (samples.size() == 0) {
    ev.loss = ev.accuracy = std::numeric_limits<double>::quiet_NaN();
    return ev;
  }
  typename Particles<T>::Mat h, out;
  const int n = p.n();
  const double scale = 1.0 / (static_cast<double>(p.global_count) * 2.0 * n);
  std::size_t correct = 0;
  Eigen::VectorXd r(n);
  for (std::size_t begin = 0; begin < samples.size(); begin += kChunk) {
    const std::size_t count = std::min(kChunk, samples.size() - begin);
    forward_block(p, samples, begin, count, reducer, h, out);
    for (std::size_t i = 0; i < count; ++i) {
      const auto col = out.col(static_cast<Eigen::Index>(i));
      Eigen::Index best = 0;
      col.maxCoeff(&best);
      const int y = samples.y[begin + i];
      if (best == y) ++correct;
      r = col.template cast<double>() * scale;
      r[y] -= 1.0;
      r.array() -= r.mean();
      ev.loss_sum += r.squaredNorm();
    }
  }
  ev.loss = ev.loss_sum / static_cast<double>(samples.size());
  ev.accuracy = static_cast<double>(correct) / static_cast<double>(samples.size());
  return ev;
}

template <typename T>
double loss_and_gradient(const Particles<T>& p, const Samples& train, Reducer& reducer,
                         Workspace<T>& ws, Gradient<T>& grad) {
  const int n = p.n();
  const Eigen::Index m = static_cast<Eigen::Index>(train.size());
  const Eigen::Index ql = p.local_count();
  auto& h = ws.h;
  auto& s = ws.s;
  auto& g = ws.out;
  h.resize(ql, m);
  s.resize(ql, m);
  for (Eigen::Index i = 0; i < m; ++i) {
    h.col(i) = p.a.col(train.a1[i]) + p.b.col(train.a2[i]);
    s.col(i) = h.col(i).array().square();
  }
  // o = (1/q) C^T S, the sum over particles made global by the reducer.
  g.noalias() = p.c.transpose() * s;
  reducer.sum(g.data(), static_cast<std::size_t>(g.size()));

  // Residual r = P(o/(2n) - e_y) and dH/do = r / (n m); the 1/q of the backward products is
  // folded in here so that no product needs a separate scaling pass.
  const T out_scale = T(1) / (static_cast<T>(p.global_count) * T(2) * static_cast<T>(n));
  const T grad_scale = T(1) / (static_cast<T>(n) * static_cast<T>(m) * static_cast<T>(p.global_count));
  double loss = 0.0;
  for (Eigen::Index i = 0; i < m; ++i) {
    auto col = g.col(i);
    col *= out_scale;
    col[train.y[i]] -= T(1);
    col.array() -= col.mean();
    loss += static_cast<double>(col.squaredNorm());
    col *= grad_scale;
  }
  loss /= static_cast<double>(m);

  grad.c.noalias() = s * g.transpose();  // dH/dC = (1/q) S G^T
  s.noalias() = p.c * g;                 // dH/dS = (1/q) C G, reusing S's buffer
  grad.a.setZero(ql, n);
  grad.b.setZero(ql, n);
  for (Eigen::Index i = 0; i < m; ++i) {
    h.col(i) = T(2) * h.col(i).cwiseProduct(s.col(i));  // dH/dh = 2 h * dH/dS
    grad.a.col(train.a1[i]) += h.col(i);
    grad.b.col(train.a2[i]) += h.col(i);
  }
  return loss;
}

#define SYMSWEEP_INSTANTIATE(T)                                                                \
  template struct Particles<T>;                                                                \
  template Particles<T> init_particles<T>(int, std::int64_t, ShardRange, double, std::uint64_t); \
  template Particles<T> particles_from_stacked<T>(const Eigen::MatrixXd&, ShardRange);         \
  template Evaluation evaluate<T>(const Particles<T>&, const Samples&, Reducer&);              \
  template Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic> outputs<T>(                        \
      const Particles<T>&, const Samples&, Reducer&);                                          \
  template double loss_and_gradient<T>(const Particles<T>&, const Samples&, Reducer&,         \
                                       Workspace<T>&, Gradient<T>&);
SYMSWEEP_INSTANTIATE(float)
SYMSWEEP_INSTANTIATE(double)
#undef SYMSWEEP_INSTANTIATE

}  // namespace symsweep::core
