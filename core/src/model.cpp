#include "symsweep/core/model.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "kernels/kernels.hpp"
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
Particles<T> init_particles(int n, std::int64_t width, ShardRange range, const InitLaw& law,
                            std::uint64_t seed) {
  Particles<T> p;
  p.offset = range.offset;
  p.global_count = width;
  p.a.resize(range.count, n);
  p.b.resize(range.count, n);
  p.c.resize(range.count, n);
  for (std::int64_t j = 0; j < range.count; ++j) {
    Rng rng(seed, static_cast<std::uint64_t>(range.offset + j));
    auto draw = [&](double scale) {
      return static_cast<T>(law.uniform ? scale * (2.0 * rng.uniform() - 1.0)
                                        : scale * rng.normal());
    };
    for (int i = 0; i < n; ++i) p.a(j, i) = draw(law.input_scale);
    for (int i = 0; i < n; ++i) p.b(j, i) = draw(law.input_scale);
    for (int i = 0; i < n; ++i) p.c(j, i) = draw(law.output_scale);
  }
  return p;
}

template <typename T>
Particles<T> init_particles(int n, std::int64_t width, ShardRange range, double scale,
                            std::uint64_t seed) {
  return init_particles<T>(n, width, range, InitLaw{false, scale, scale}, seed);
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

std::int64_t loss_chunk_pairs(std::int64_t q_local, int n, std::int64_t pairs,
                              std::size_t value_bytes) {
  const std::int64_t ql = std::max<std::int64_t>(q_local, 1);
  const auto vb = static_cast<std::int64_t>(std::max<std::size_t>(value_bytes, 1));
  const std::int64_t cap =
      std::max(kLossChunkMin, kLossChunkElements / (2 * ql + std::max(n, 1)));
  const std::int64_t target = std::min(cap, std::max(kLossChunkMin, kLossChunkCacheBytes / (2 * ql * vb)));
  if (pairs <= std::min(cap, 2 * target)) return std::max<std::int64_t>(pairs, 1);
  const std::int64_t chunks = (pairs + target - 1) / target;
  return (pairs + chunks - 1) / chunks;  // chunks of (nearly) equal size
}

template <typename T>
Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic> outputs(const Particles<T>& p,
                                                        const Samples& samples, Reducer& reducer) {
  return kernels().typed<T>().outputs(p, samples, reducer);
}

template <typename T>
Evaluation evaluate(const Particles<T>& p, const Samples& samples, Reducer& reducer,
                    const Head& head) {
  return kernels().typed<T>().evaluate(p, samples, reducer, head);
}

template <typename T>
double loss_and_gradient(const Particles<T>& p, const Samples& train, Reducer& reducer,
                         Workspace<T>& ws, Gradient<T>& grad, const Head& head) {
  return kernels().typed<T>().loss_and_gradient(p, train, reducer, ws, grad, head);
}

#define SYMSWEEP_INSTANTIATE(T)                                                                \
  template struct Particles<T>;                                                                \
  template Particles<T> init_particles<T>(int, std::int64_t, ShardRange, double, std::uint64_t); \
  template Particles<T> init_particles<T>(int, std::int64_t, ShardRange, const InitLaw&,       \
                                          std::uint64_t);                                    \
  template Particles<T> particles_from_stacked<T>(const Eigen::MatrixXd&, ShardRange);         \
  template Evaluation evaluate<T>(const Particles<T>&, const Samples&, Reducer&, const Head&); \
  template Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic> outputs<T>(                        \
      const Particles<T>&, const Samples&, Reducer&);                                          \
  template double loss_and_gradient<T>(const Particles<T>&, const Samples&, Reducer&,         \
                                       Workspace<T>&, Gradient<T>&, const Head&);
SYMSWEEP_INSTANTIATE(float)
SYMSWEEP_INSTANTIATE(double)
#undef SYMSWEEP_INSTANTIATE

Head head_of(const TrainConfig& cfg, const Group& g) {
  Head head{cfg.output_gain(g.order()), cfg.loss, nullptr};
  if (!cfg.target_frequencies.empty()) {
    head.targets = std::make_shared<const Eigen::MatrixXd>(frequency_targets(g, cfg.target_frequencies));
  }
  return head;
}

}  // namespace symsweep::core
