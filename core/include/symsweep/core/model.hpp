#pragma once

#include <Eigen/Dense>
#include <cstdint>
#include <memory>
#include <vector>

#include "symsweep/core/data.hpp"
#include "symsweep/core/reducer.hpp"
#include "symsweep/core/train_config.hpp"

namespace symsweep::core {

/// Contiguous block [offset, offset + count) of the q particles owned by rank `rank` of `ranks`:
/// the first q % ranks ranks get one particle more. Every particle has exactly one owner.
struct ShardRange {
  std::int64_t offset = 0;
  std::int64_t count = 0;
};
ShardRange shard_range(std::int64_t q, int ranks, int rank);

/// The particles a process owns (docs/model.md): row j of `a`, `b`, `c` is particle
/// `offset + j`, z_j = (w_a, w_b, w_c), each a row of n weights. `global_count` is q, the
/// number of particles of the whole network, which the model divides by (the network output
/// is an average over all q particles).
template <typename T>
struct Particles {
  using Mat = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>;
  Mat a, b, c;  ///< local_count x n each
  std::int64_t offset = 0;
  std::int64_t global_count = 0;  ///< q (local_count() of them are here)

  int n() const { return static_cast<int>(a.cols()); }
  std::int64_t local_count() const { return a.rows(); }
  /// Particles as one local_count x 3n matrix, columns w_a | w_b | w_c, in double.
  Eigen::MatrixXd stacked() const;
};

/// Particles offset..offset+count-1 of a width-q network on a group of order n, each drawn
/// z ~ N(0, scale^2 I) from a stream that depends only on (seed, global index): the values do
/// not depend on how the particles are sharded.
template <typename T>
Particles<T> init_particles(int n, std::int64_t width, ShardRange range, double scale,
                            std::uint64_t seed);

/// The initial law of the weights: N(0, s^2) or, `uniform`, U(-s, s) = s (2u - 1), with
/// s = `input_scale` for w_a and w_b and `output_scale` for w_c (TrainConfig::init).
struct InitLaw {
  bool uniform = false;
  double input_scale = 0.3, output_scale = 0.3;
};
/// As above with any InitLaw: particle j draws its 3n values (w_a, then w_b, then w_c) from the
/// stream (seed, j), normals or uniforms, so the values do not depend on the sharding.
template <typename T>
Particles<T> init_particles(int n, std::int64_t width, ShardRange range, const InitLaw& law,
                            std::uint64_t seed);

/// Builds Particles from a stacked q x 3n matrix (w_a | w_b | w_c), keeping rows of `range`.
template <typename T>
Particles<T> particles_from_stacked(const Eigen::MatrixXd& z, ShardRange range);

/// What the network outputs and how it is scored (docs/model.md): the output is
/// f = gain sum_j w_c (w_a[a1] + w_b[a2])^2 with gain = TrainConfig::output_gain (0: the
/// mean-field 1/(2nq), formed as before this setting existed, so those runs repeat bit for bit),
/// and a sample's loss is `loss` of f.
/// `targets`: null for the task's targets e_y; else an n x n matrix whose column y replaces e_y
/// (a partial task: frequency_targets).
struct Head {
  double gain = 0.0;
  Loss loss = Loss::kCentredMse;
  std::shared_ptr<const Eigen::MatrixXd> targets = nullptr;
};
/// The Head of a run on group g: its gain, its loss and, with target_frequencies, the
/// projected targets.
Head head_of(const TrainConfig& cfg, const Group& g);

/// Loss and accuracy of the network on a sample set.
struct Evaluation {
  double loss = 0.0;      ///< mean over the samples of the Head's loss (default ||P(o/(2n) - e_y)||^2)
  double accuracy = 0.0;  ///< fraction with argmax_c o[c] == y (ties: lowest index)
  double loss_sum = 0.0;  ///< the sum instead of the mean
  std::size_t count = 0;
};

/// Collective on the reducer: the network's loss and accuracy on `samples` (forward pass in
/// chunks; one sum-reduction of the n x chunk partial outputs per chunk). An empty sample set
/// gives count 0 and NaN loss / accuracy (callers report null).
template <typename T>
Evaluation evaluate(const Particles<T>& p, const Samples& samples, Reducer& reducer,
                    const Head& head = {});

/// Collective on the reducer: the outputs o(a1, a2) (n x |samples|, column i for sample i).
template <typename T>
Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic> outputs(const Particles<T>& p,
                                                        const Samples& samples, Reducer& reducer);

/// Gradient of the training loss H with respect to every local weight (not scaled by q).
template <typename T>
struct Gradient {
  typename Particles<T>::Mat a, b, c;
};

/// Reusable buffers of the forward / backward pass, sized on first use. `chunk_pairs` > 0
/// overrides the number of training pairs per chunk (tests); 0 is loss_chunk_pairs().
template <typename T>
struct Workspace {
  typename Particles<T>::Mat h, s, out, g;
  std::int64_t chunk_pairs = 0;
};

/// loss_and_gradient's chunks: h and s (q_local x chunk each) near kLossChunkCacheBytes, so that
/// the gather, the products and the scatter of a chunk work in cache (measured: the L step 25 %
/// faster than one chunk of all 4705 pairs), at least kLossChunkMin pairs, and never more than
/// kLossChunkElements values with the outputs (n x chunk): 64 MiB in f32.
inline constexpr std::int64_t kLossChunkCacheBytes = std::int64_t{1} << 20;
inline constexpr std::int64_t kLossChunkElements = std::int64_t{1} << 24;
inline constexpr std::int64_t kLossChunkMin = 64;
/// Training pairs per chunk of loss_and_gradient for `pairs` pairs on a shard of q_local
/// particles of `value_bytes` (4: f32) on a group of order n: `pairs` itself (one chunk) when
/// they fit in two chunks of the cache target, else equal chunks near that target.
std::int64_t loss_chunk_pairs(std::int64_t q_local, int n, std::int64_t pairs,
                              std::size_t value_bytes);

/// Collective on the reducer: loss on `train` (the mean over the samples) and its gradient with
/// respect to the local particles. The pairs are processed in chunks of loss_chunk_pairs() for
/// the team's largest shard, ceil(q / P) (memory O(q_local (chunk + n)) whatever |train|), with
/// one sum-reduction of the chunk's n x chunk outputs per chunk: the same chunks on every rank
/// of a team. evaluate() and outputs() cut their pairs the same way.
template <typename T>
double loss_and_gradient(const Particles<T>& p, const Samples& train, Reducer& reducer,
                         Workspace<T>& ws, Gradient<T>& grad, const Head& head = {});

}  // namespace symsweep::core
