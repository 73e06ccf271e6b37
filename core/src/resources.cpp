#include "symsweep/core/resources.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <utility>
#include <vector>

#include "symsweep/core/model.hpp"

namespace symsweep::core {

namespace {


/// An upper bound on the largest irrep dimension of a group of order n without computing its
/// irreps: d divides n and d^2 < n (the trivial irrep takes 1 of the n = sum d^2).
double max_irrep_dim_bound(int n) {
  int best = 1;
  for (int d = 1; static_cast<long long>(d) * d < n; ++d) {
    if (n % d == 0) best = d;
  }
  return best;
}

/// Bytes of the GroupContext beyond the Cayley table and the pair list.
double mp_task_bytes(const TaskShape& t) {
  const double n = t.order, n2 = n * n;
  switch (t.mp) {
    case MpKind::kCharacters:
      return 20.0 * n2 + 4.0 * n;  // characters (complex n x n), the addition table, negation
    case MpKind::kIrreps:
      // The irreps (n matrices per irrep, sum d^2 = n: 16 n^2 complex entries), their
      // characters (<= n irreps of n entries), IrrepPotentials' basis (8 n^2) and per irrep the
      // Fourier matrices (about 48 n^2 in all).
      return 16.0 * n2 + 16.0 * n2 + 8.0 * n2 + 48.0 * n2;
    case MpKind::kNone:
      break;
  }
  return 0.0;
}

}  // namespace

TaskShape task_shape(const Group& g, bool irreps_at_any_order) {
  TaskShape t;
  t.order = g.order();
  if (g.is_abelian()) {
    t.mp = MpKind::kCharacters;
  } else if (GroupContext::builds_irreps(g, irreps_at_any_order)) {
    t.mp = MpKind::kIrreps;
    for (int d : character_degrees(g)) {
      t.max_degree = std::max(t.max_degree, d);
      t.sum_d6 += std::pow(static_cast<double>(d), 6.0);
    }
  }
  return t;
}

double task_bytes(const TaskShape& task) {
  const double n = task.order, n2 = n * n;
  // Cayley table (4 n^2), inverses, element names (~48 bytes each), all n^2 pairs (3 ints each).
  return 4.0 * n2 + 4.0 * n + 48.0 * n + 12.0 * n2 + mp_task_bytes(task);
}

ResourceEstimate estimate_resources(const TaskShape& task, const RunConfig& cfg,
                                    const ExecutionShape& exec) {
  const TrainConfig& t = cfg.train;
  const double n = std::max(task.order, 1), n2 = n * n;
  const double q = static_cast<double>(std::max<std::int64_t>(t.width, 1));
  const double ranks = std::max(exec.ranks, 1);
  const double ql = std::ceil(q / ranks);  // the first q mod P ranks hold one more
  const double b = t.precision == Precision::kF32 ? 4.0 : 8.0;
  // Moments per weight: Adam(W) two, sgd with momentum one (its buffer), gd none.
  const double moments = t.optimizer == Optimizer::kAdamW || t.optimizer == Optimizer::kAdam ? 2.0
                         : t.optimizer == Optimizer::kSgd && t.momentum > 0.0                ? 1.0
                                                                                             : 0.0;
  const double f = std::clamp(cfg.data_fraction, 0.0, 1.0);

  ResourceEstimate e;
  // |T|: round(f n^2) sampled pairs; augmenting by H adds their orbits (orbits of |H| pairs, a
  // pair is in T when any pair of its orbit was drawn).
  const double sampled = std::max(1.0, std::round(f * n2));
  const double h = std::max(exec.augment_order, 1);
  const double tr = std::min(n2, std::max(sampled, n2 * (1.0 - std::pow(1.0 - f, h))));
  const double te = n2 - tr;
  e.train_pairs = tr;
  e.logged_steps = t.steps <= 0 ? 1.0
                                : (t.log_every > 0 ? std::floor(static_cast<double>(t.steps) /
                                                                static_cast<double>(t.log_every))
                                                   : 0.0) +
                                      2.0;

  MemoryEstimate& m = e.memory;
  m.task = task_bytes(task);
  m.split = 12.0 * n2;  // train and test pairs: three ints per pair
  // Drawing the split: a permutation of the n^2 pair indices (uint32), one flag per pair, and
  // the pair lists growing by doubling.
  const double split_transient = 5.0 * n2 + 0.5 * m.split;
  m.particles = 3.0 * ql * n * b + 24.0 * ql;  // a, b, c and the initial invariants (f64)
  m.optimizer = 3.0 * moments * ql * n * b;
  m.gradient = 3.0 * ql * n * b;
  // loss_and_gradient, per chunk of the training pairs: h and s (q_local x chunk) and the
  // outputs (n x chunk); a team's in-place all-reduce of the outputs may need a scratch copy.
  const double chunk = std::min(
      tr, static_cast<double>(loss_chunk_pairs(static_cast<std::int64_t>(ql), task.order,
                                               static_cast<std::int64_t>(tr),
                                               static_cast<std::size_t>(b))));
  m.activations = 2.0 * ql * chunk * b + n * chunk * b + (ranks > 1 ? n * chunk * b : 0.0);
  // One StepMetrics per logged step, with rho_kkk (n - 1 complex) or one IrrepValue per irrep.
  const double per_log = 320.0 + (task.mp == MpKind::kCharacters ? 16.0 * n
                                  : task.mp == MpKind::kIrreps   ? 32.0 * n
                                                                 : 0.0);
  m.log = e.logged_steps * per_log;

  // measure(): evaluate() over train and test in chunks, then an f64 copy of the
  // shard (q_local x 3n), the effective dimension's 3n x 3n Gram matrix, the potentials.
  // Chunks as loss_and_gradient's (h: q_local x chunk, the outputs: n x chunk).
  const double pairs = std::max(tr, te);
  const double eval_chunk = std::min(
      pairs, static_cast<double>(loss_chunk_pairs(static_cast<std::int64_t>(ql), task.order,
                                                  static_cast<std::int64_t>(pairs),
                                                  static_cast<std::size_t>(b))));
  const double eval = (ql + n) * eval_chunk * b + 8.0 * n;
  const double z = 24.0 * ql * n;
  double mp = 0.0;
  double d = 1.0;  // bound on the largest irrep dimension
  if (task.mp == MpKind::kCharacters) {
    // fourier_coords: five q_local x n complex matrices (a, b, c, sq_a, sq_b) and an f64
    // temporary; monomial_potentials: S (n x 2n), T_k (n x n) and a q_local x n complex
    // temporary per frequency; frequencies_per_neuron: a q_local x n energy matrix.
    mp = 80.0 * ql * n + std::max(32.0 * n2 + 8.0 * ql * n, 48.0 * n2 + 16.0 * ql * n);
  } else if (task.mp == MpKind::kIrreps) {
    // IrrepPotentials::summarize: centred a, b, c, gamma, the square terms, the energy and two
    // temporaries (9 q_local x n in f64), the K block (<= 8 MiB unless one row of it is larger),
    // one chunk of W (IrrepPotentials::kChunkBytes, at least one element x: n (n-1) doubles)
    // and the extras reduced with the first (a scratch copy for MPI's reduction); then one M_tau
    // at a time (16 d^6 bytes with the largest dimension d, and as much for MPI), a Khatri-Rao
    // block (<= 32 MiB) and the member's coefficients.
    d = task.max_degree > 0 ? task.max_degree : max_irrep_dim_bound(task.order);
    const double chunk = std::clamp(std::floor(1048576.0 / std::max(1.0, ql * n)), 1.0, n);
    const double k_block = 8.0 * ql * chunk * n;
    const double per_x = 8.0 * n * (n - 1.0);
    const double cx = std::clamp(
        std::floor(static_cast<double>(IrrepPotentials::kChunkBytes) / per_x), 1.0, n);
    const double buf = cx * per_x;
    const double extras = 8.0 * (2.0 * n * (n - 1.0) + n + 1.0);
    const double d2 = d * d;
    const double one_m = 16.0 * d2 * d2 * d2;
    const double stage1 = k_block + (buf + extras) * (ranks > 1 ? 2.0 : 1.0);
    const double stage2 = one_m * (ranks > 1 ? 2.0 : 1.0) + 33554432.0 + 48.0 * ql * d2;
    mp = 72.0 * ql * n + extras + std::max(stage1, stage2);
  }
  m.measurement = std::max(eval, z + 24.0 * ql + std::max(72.0 * n2, mp));
  // Memory a measurement allocates afresh (the kernel zeroes every new page): its temporaries,
  // and the per-frequency temporary of the characters each time when it is too large for
  // malloc to reuse (glibc maps blocks of more than 32 MiB anew).
  double fresh = 2.0 * eval + z + 72.0 * n2 + mp;
  if (task.mp == MpKind::kCharacters && 16.0 * ql * n >= 32.0 * 1048576.0) {
    fresh += 16.0 * ql * n * (n - 2.0);
  }

  // Checkpoints (run.cpp save_team_checkpoint / load_team_checkpoint): the whole team's
  // particles, moments and invariants gathered on every rank, serialised into a byte string on
  // rank 0 (which grows by doubling); resuming reads the file into memory twice and parses it.
  const double state = q * ((3.0 + 3.0 * moments) * n * b + 24.0) + m.log;
  double resume = 0.0;
  if (exec.checkpoints) {
    m.checkpoint = 2.5 * state;
    resume = 3.0 * state;
  }
  // --save-particles: the shard in f64, the whole network gathered in f64 on every rank, then
  // its row-major copy for the file.
  double save_peak = 0.0;
  if (exec.save_particles) {
    m.gather = 48.0 * q * n;
    save_peak = std::max(m.split + m.particles + 24.0 * ql * n + 24.0 * q * n, 48.0 * q * n);
  }
  m.other = exec.other_bytes;

  const double base = m.task + m.other;
  const double training = m.split + m.particles + m.optimizer + m.gradient + m.activations + m.log;
  m.peak = std::max({base + m.split + split_transient,
                     base + training + std::max(m.measurement, m.checkpoint),
                     base + m.split + resume, base + m.log + save_peak});

  // Time. A step: three products of 2 q_local n |T| flops (the output, dH/dC, dH/dS), about
  // ten element-wise operations per entry of h, the residual on every rank, the optimizer.
  e.step_flops = 6.0 * ql * n * tr + 10.0 * ql * tr + 4.0 * n * tr + (18.0 + 36.0 * moments) * ql * n;
  // A measurement: the forward pass over all n^2 pairs, the Gram matrix, then the potentials.
  double measure = 2.0 * ql * n * n2 + 3.0 * ql * n2 + 6.0 * n * n2 + 9.0 * ql * n2;
  if (task.mp == MpKind::kCharacters) {
    // Five real x complex transforms, S, and one complex q_local x n x n product per frequency.
    measure += 20.0 * ql * n2 + 16.0 * ql * n2 + 8.0 * ql * n2 * (n - 1.0) + 10.0 * n * n2;
  } else if (task.mp == MpKind::kIrreps) {
    // W = K^T gamma (2 q_local n^2 (n-1)), the other products, the particles' Fourier
    // coefficients (6 q_local n d^2 per irrep, sum d^2 = n) and every M_tau (8 q_local d^6
    // each: sum d^6 when the degrees are known, else at most d^4 n).
    const double d2 = d * d;
    const double sum_d6 = task.sum_d6 > 0.0 ? task.sum_d6 : d2 * d2 * n;
    measure += 2.0 * ql * n2 * (n - 1.0) + 13.0 * ql * n2 + 6.0 * ql * n2 + 8.0 * ql * sum_d6;
  }
  e.measure_flops = measure;
  // A step streams h and s (q_local x |T|) about eight times.
  const double step_bytes = 8.0 * ql * tr * b + 20.0 * ql * n * b;
  e.step_seconds = e.step_flops / kNominalFlopsPerSecond + step_bytes / kNominalBytesPerSecond;
  e.measure_seconds =
      e.measure_flops / kNominalFlopsPerSecond + fresh / kNominalFreshBytesPerSecond;
  e.run_seconds = static_cast<double>(std::max<std::int64_t>(t.steps, 0)) * e.step_seconds +
                  e.logged_steps * e.measure_seconds;
  return e;
}

std::string format_bytes(double bytes) {
  static const char* const kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB"};
  double v = std::max(bytes, 0.0);
  std::size_t u = 0;
  while (v >= 1024.0 && u + 1 < std::size(kUnits)) {
    v /= 1024.0;
    ++u;
  }
  char buf[64];
  if (u == 0) {
    std::snprintf(buf, sizeof(buf), "%.0f B", v);
  } else if (v >= 1e6) {  // beyond the largest unit
    std::snprintf(buf, sizeof(buf), "%.3g %s", v, kUnits[u]);
  } else if (v >= 1000.0) {
    std::snprintf(buf, sizeof(buf), "%.0f %s", v, kUnits[u]);
  } else {
    std::snprintf(buf, sizeof(buf), "%.3g %s", v, kUnits[u]);
  }
  return buf;
}

std::string format_seconds(double seconds) {
  const double s = std::max(seconds, 0.0);
  double v = s * 1e3;
  const char* unit = "ms";
  if (s >= 2.0 * 86400.0) {
    v = s / 86400.0;
    unit = "days";
  } else if (s >= 3600.0) {
    v = s / 3600.0;
    unit = "h";
  } else if (s >= 60.0) {
    v = s / 60.0;
    unit = "min";
  } else if (s >= 1.0) {
    v = s;
    unit = "s";
  }
  char buf[64];
  std::snprintf(buf, sizeof(buf), v >= 100.0 ? "%.0f %s" : "%.2g %s", v, unit);
  return buf;
}

std::string describe_memory(const MemoryEstimate& m) {
  std::vector<std::pair<const char*, double>> parts = {{"particles", m.particles},
                                                       {"optimizer", m.optimizer},
                                                       {"gradient", m.gradient},
                                                       {"activations", m.activations},
                                                       {"measurement", m.measurement},
                                                       {"checkpoint", m.checkpoint},
                                                       {"gather", m.gather},
                                                       {"task", m.task},
                                                       {"split", m.split},
                                                       {"log", m.log},
                                                       {"other", m.other}};
  std::stable_sort(parts.begin(), parts.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  std::string out;
  for (const auto& [name, bytes] : parts) {
    if (bytes <= 0.0 || bytes < 0.01 * m.peak) continue;
    out += (out.empty() ? "" : ", ") + std::string(name) + " " + format_bytes(bytes);
  }
  return out;
}

}  // namespace symsweep::core
