#include "symsweep/core/train.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <xmmintrin.h>

#include "kernels/kernels.hpp"
#include "symsweep/core/error.hpp"
#include "symsweep/core/hessian.hpp"
#include "symsweep/core/resources.hpp"

namespace symsweep::core {

std::string expected_names(const char* const* names, std::size_t count) {
  std::string out = "expected ";
  for (std::size_t i = 0; i < count; ++i) {
    if (i > 0) out += i + 1 == count ? " or " : ", ";
    out += names[i];
  }
  return out;
}

void throw_bad_setting(const char* what, const std::string& value, const std::string& expected) {
  throw InputError(std::string(what) + " \"" + value + "\": " + expected);
}

double TrainConfig::alpha(int n) const {
  switch (parametrization) {
    case Parametrization::kGromov:
      return 1.0 / std::sqrt(2.0 * n);
    case Parametrization::kCustom:
      return input_multiplier;
    default:
      return 1.0;
  }
}

double TrainConfig::beta(int n) const {
  const double q = static_cast<double>(width);
  switch (parametrization) {
    case Parametrization::kMeanField:
      return 1.0 / (2.0 * n * q);
    case Parametrization::kStandard:
      return 1.0;
    case Parametrization::kGromov:
      return 1.0 / q;
    default:
      return output_multiplier;
  }
}

double TrainConfig::output_gain(int n) const {
  if (parametrization == Parametrization::kMeanField) return 0.0;
  const double a = alpha(n);
  return beta(n) * a * a;
}

double TrainConfig::input_init_scale(int n) const {
  switch (init) {
    case Init::kTorchDefault:
      return 1.0 / std::sqrt(static_cast<double>(n));
    case Init::kTorchDefaultConcat:
      return 1.0 / std::sqrt(2.0 * n);
    default:
      return init_scale;
  }
}

double TrainConfig::output_init_scale() const {
  if (init == Init::kTorchDefault || init == Init::kTorchDefaultConcat) {
    return 1.0 / std::sqrt(static_cast<double>(width));
  }
  return init_scale_out > 0.0 ? init_scale_out : init_scale;
}

void TrainConfig::validate() const {
  auto fail = [](const std::string& what) { throw InputError(what); };
  if (width < 1 || width > kMaxWidth) {
    fail("width " + std::to_string(width) + ": expected an integer in 1.." +
         std::to_string(kMaxWidth));
  }
  if (!(lr > 0.0) || !std::isfinite(lr)) fail("lr " + std::to_string(lr) + ": expected > 0");
  if (!(weight_decay >= 0.0) || !std::isfinite(weight_decay)) {
    fail("weight decay " + std::to_string(weight_decay) + ": expected >= 0");
  }
  if (!(init_scale > 0.0) || !std::isfinite(init_scale)) {
    fail("init scale " + std::to_string(init_scale) + ": expected > 0");
  }
  if (!(init_scale_out >= 0.0) || !std::isfinite(init_scale_out)) {
    fail("init scale out " + std::to_string(init_scale_out) + ": expected >= 0 (0: init scale)");
  }
  if ((init == Init::kTorchDefault || init == Init::kTorchDefaultConcat) && init_scale_out != 0.0) {
    fail(std::string("init scale out: init ") + to_string(init) +
         " sets the scale of every layer (U(+-1/sqrt(fan_in))); leave init_scale_out unset");
  }
  if (parametrization != Parametrization::kCustom &&
      (input_multiplier != 1.0 || output_multiplier != 1.0)) {
    fail(std::string("input/output multiplier: parametrization ") + to_string(parametrization) +
         " fixes them; set parametrization = custom to give them");
  }
  for (const double m : {input_multiplier, output_multiplier}) {
    if (!(m > 0.0) || !std::isfinite(m)) {
      fail("multiplier " + std::to_string(m) + ": expected > 0");
    }
  }
  if (!(momentum >= 0.0 && momentum < 1.0)) {
    fail("momentum " + std::to_string(momentum) + ": expected in [0, 1)");
  }
  if (!target_frequencies.empty()) {
    parse_frequency_list(target_frequencies, 0);  // the syntax; the indices against the group later
    if (loss == Loss::kCrossEntropy) {
      fail("target_frequencies: a partial task's projected targets need an mse loss (loss " +
           std::string(to_string(loss)) + ")");
    }
  }
  if (momentum != 0.0 && optimizer != Optimizer::kSgd) {
    fail(std::string("momentum: only sgd has one (optimizer ") + to_string(optimizer) + ")");
  }
  if (!(beta1 >= 0.0 && beta1 < 1.0) || !(beta2 >= 0.0 && beta2 < 1.0)) {
    fail("beta1 " + std::to_string(beta1) + ", beta2 " + std::to_string(beta2) +
         ": expected in [0, 1)");
  }
  if (!(adam_eps > 0.0) || !std::isfinite(adam_eps)) {
    fail("adam eps " + std::to_string(adam_eps) + ": expected > 0");
  }
  if (steps < 0) fail("steps " + std::to_string(steps) + ": expected >= 0");
  if (log_every < 0) fail("log every " + std::to_string(log_every) + ": expected >= 0");
  if (spectrum_every < 0) {
    fail("spectrum_every " + std::to_string(spectrum_every) + ": expected >= 0 (0: never)");
  }
  if (spectrum_k < 1 || spectrum_k > 1000) {
    fail("spectrum_k " + std::to_string(spectrum_k) + ": expected in [1, 1000]");
  }
}

bool GroupContext::builds_irreps(const Group& g, bool irreps_at_any_order) {
  return !g.is_abelian() && (irreps_at_any_order || g.order() <= kMaxIrrepOrder);
}

GroupContext::GroupContext(Group g, bool irreps_at_any_order)
    : group_(std::move(g)), all_(core::all_pairs(group_)) {
  if (group_.is_abelian()) {
    dual_.emplace(group_);
  } else if (builds_irreps(group_, irreps_at_any_order)) {
    irreps_ = std::make_unique<IrrepSet>(group_);
    irrep_potentials_ = std::make_unique<IrrepPotentials>(*irreps_);
  }
}

double potentials_cost_in_steps(const TrainConfig& cfg, int n, std::size_t train_pairs) {
  const double nn = n;
  const double step_rate = cfg.precision == Precision::kF32 ? 2.0 : 1.0;  // vs f64
  const double mp_ops = 4.0 * nn * nn * nn;                                 // per particle
  const double step_ops = 6.0 * static_cast<double>(std::max<std::size_t>(train_pairs, 1)) * nn;
  return mp_ops / (step_ops / step_rate);
}

bool measures_full_potentials(const TrainConfig& cfg, int n, std::size_t train_pairs) {
  switch (cfg.potentials) {
    case Potentials::kFull:
      return true;
    case Potentials::kDiagonal:
      return false;
    default:
      return potentials_cost_in_steps(cfg, n, train_pairs) <= kMaxMeasureSteps;
  }
}

std::string potentials_note(const TrainConfig& cfg, int n, std::size_t train_pairs) {
  if (measures_full_potentials(cfg, n, train_pairs)) return "";
  if (cfg.potentials == Potentials::kDiagonal) {
    return "potentials = diagonal: logged steps measure rho_kkk only (no max_offtarget_mp, "
           "binary_gap)";
  }
  char cost[32];
  std::snprintf(cost, sizeof cost, "%.0f", potentials_cost_in_steps(cfg, n, train_pairs));
  return std::string("logged steps measure rho_kkk only (no max_offtarget_mp, binary_gap): "
                     "every rho_{k1 k2 k} would cost about ") +
         cost + " training steps each, more than " +
         std::to_string(static_cast<int>(kMaxMeasureSteps)) +
         "; potentials = full measures them anyway";
}

std::string irreps_note(const GroupContext& task) {
  if (task.dual() != nullptr || task.irreps() != nullptr) return "";
  const int n = task.group().order();
  const DixonCost cost = dixon_cost_estimate(n);
  return "no irrep metrics (binary_gap, off_target_energy, irrep_concentration, per-irrep rho): "
         "group \"" + task.group().spec() + "\" has " + std::to_string(n) +
         " elements, more than " + std::to_string(GroupContext::kMaxIrrepOrder) +
         ", and no closed-form characters; its irreps (Dixon's method, once per group and rank) "
         "would take about " + format_seconds(cost.seconds) + " and " + format_bytes(cost.bytes) +
         " on a core like the README's; potentials = full measures them anyway";
}

double mp_scale(const Head& head, int n, std::int64_t q) {
  return head.gain == 0.0 ? 1.0 : head.gain * 2.0 * n * static_cast<double>(q);
}

template <typename T>
StepMetrics measure(const GroupContext& task, const Split& split, const Particles<T>& p,
                    const Invariants& initial, std::int64_t step, Reducer& reducer,
                    bool full_potentials, const Head& head) {
  StepMetrics m;
  m.step = step;
  const Evaluation tr = evaluate(p, split.train, reducer, head);
  const Evaluation te = evaluate(p, split.test, reducer, head);
  m.train_loss = tr.loss;
  m.train_acc = tr.accuracy;
  if (te.count > 0) {
    m.test_loss = te.loss;
    m.test_acc = te.accuracy;
  }
  // Train and test partition all n^2 pairs.
  const double n = task.group().order();
  m.full_loss = (tr.loss_sum + te.loss_sum) / (n * n);

  const Eigen::MatrixXd z = p.stacked();
  m.effective_dim = effective_dimension(z, reducer);
  m.drift = conservation_drift(initial, invariants(z), p.global_count, reducer);
  // Every MP is linear in w_c: the MPs of the network's function are those of the particles
  // with w_c scaled by kappa (1 under the mean-field parametrization: no copy).
  const int order = task.group().order();
  const double kappa = mp_scale(head, order, p.global_count);
  if (const DualGroup* dual = task.dual()) {
    const FourierCoords f = fourier_coords(z, *dual);
    FourierCoords scaled;
    if (kappa != 1.0) {
      scaled = f;
      scaled.c *= kappa;
    }
    const FourierCoords& fm = kappa != 1.0 ? scaled : f;
    if (full_potentials) {
      MpSummary mp = monomial_potentials(fm, p.global_count, *dual, reducer);
      m.rho_kkk = std::move(mp.rho_kkk);
      m.max_offtarget_mp = mp.max_offtarget;
      m.binary_gap = mp.binary_gap;
    } else {
      m.rho_kkk = rho_kkk(fm, p.global_count, *dual, reducer);
    }
    m.frequencies_per_neuron = frequencies_per_neuron(f, p.global_count, reducer);
  } else if (const IrrepPotentials* pot = task.irrep_potentials()) {
    Eigen::MatrixXd scaled;
    if (kappa != 1.0) {
      scaled = z;
      scaled.rightCols(order) *= kappa;
    }
    const IrrepMpSummary s = pot->summarize(kappa != 1.0 ? scaled : z, p.global_count, reducer);
    const IrrepSet& irreps = *task.irreps();
    std::vector<IrrepValue> values;
    for (int i = 1; i < irreps.size(); ++i) {
      if (irreps[i].conjugate < i) continue;  // log one member of each complex-conjugate pair
      values.push_back(IrrepValue{i, irreps[i].dim, irreps[i].indicator, s.rho[i], s.gap[i]});
    }
    m.irreps = std::move(values);
    m.binary_gap = s.binary_gap;
    m.off_target_energy = s.off_target_energy;
    m.irrep_concentration = s.concentration;
  }
  return m;
}

namespace {

/// Flush-to-zero and denormals-are-zero (MXCSR bits FTZ and DAZ) while a run trains, restored
/// after. A converging run's gradients and Adam moments fall below the smallest normal float
/// (1.2e-38 in f32), where every operation on them takes a microcode assist: Tian's Z_23 run
/// (q 512, adam, f 0.9) took 11.0 s for 2000 steps with denormals and 1.1 s without, with the
/// same printed losses. Only values below the smallest normal number change (they become 0).
class FlushDenormals {
 public:
  FlushDenormals() : saved_(_mm_getcsr()) { _mm_setcsr(saved_ | 0x8040U); }
  ~FlushDenormals() { _mm_setcsr(saved_); }
  FlushDenormals(const FlushDenormals&) = delete;
  FlushDenormals& operator=(const FlushDenormals&) = delete;

 private:
  unsigned saved_;
};

}  // namespace

template <typename T>
TrainResult train(const GroupContext& task, const Split& split, const TrainConfig& cfg, Particles<T>& p,
                Reducer& reducer, const LogCallback& on_log, TrainControl<T>* control) {
  using Clock = std::chrono::steady_clock;
  const FlushDenormals flush;
  const auto start = Clock::now();
  TrainState<T> state;
  if (control != nullptr && control->resume != nullptr) {
    state = *control->resume;
  } else {
    state.initial = invariants(p.stacked());
    const bool adam = cfg.optimizer == Optimizer::kAdamW || cfg.optimizer == Optimizer::kAdam;
    const bool momentum = cfg.optimizer == Optimizer::kSgd && cfg.momentum > 0.0;
    for (int i = 0; i < 3; ++i) {
      if (adam || momentum) state.opt.m[i].setZero(p.local_count(), p.n());
      if (adam) state.opt.v[i].setZero(p.local_count(), p.n());
    }
  }
  const double wall_before = state.wall_seconds;
  auto elapsed = [&] {
    return wall_before + std::chrono::duration<double>(Clock::now() - start).count();
  };
  TrainResult result;
  result.kappa = bipartite_components(task.group().order(), split.train);
  const bool full_potentials =
      measures_full_potentials(cfg, task.group().order(), split.train.size());
  const Head head = head_of(cfg, task.group());
  auto log = [&](std::int64_t step) {
    state.log.push_back(
        measure(task, split, p, state.initial, step, reducer, full_potentials, head));
    if (cfg.spectrum_every > 0 && (step % cfg.spectrum_every == 0 || step == cfg.steps)) {
      SpectrumOptions so;
      so.k = static_cast<int>(cfg.spectrum_k);
      so.seed = static_cast<unsigned>(cfg.seed) + static_cast<unsigned>(step);
      Particles<double> dp;  // the spectrum in f64 whatever the training precision
      dp.a = p.a.template cast<double>();
      dp.b = p.b.template cast<double>();
      dp.c = p.c.template cast<double>();
      dp.offset = p.offset;
      dp.global_count = p.global_count;
      const Spectrum sp = hessian_spectrum(dp, split.train, reducer, head, so);
      StepMetrics& m = state.log.back();
      if (!sp.largest.empty()) {
        m.hessian_negative = sp.negative;
        m.hessian_large = sp.large;
        m.hessian_max = sp.largest.front();
        m.hessian_min = sp.smallest.front();
      }
      if (sp.density) {
        m.hessian_negative_est = sp.density->negative;
        m.hessian_negative_se = sp.density->negative_se;
        m.hessian_large_est = sp.density->large;
        m.hessian_large_se = sp.density->large_se;
        m.hessian_eff_dim = sp.density->effective_dimension;
      }
    }
    if (on_log) on_log(state.log.back());
  };
  auto save = [&] {
    state.wall_seconds = elapsed();
    control->save(p, state);
  };
  // Stops and time-based checkpoints are decided per rank; one max-reduction makes the team
  // agree. Step-based checkpoints are the same on every rank and need none.
  const bool poll = control != nullptr &&
                    (control->stop_requested || control->checkpoint_every_seconds > 0.0);
  double last_save = elapsed();

  Workspace<T> ws;
  Gradient<T> grad;
  const TypedKernels<T>& update = kernels().typed<T>();
  Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>* w[3] = {&p.a, &p.b, &p.c};
  const typename Particles<T>::Mat* gr[3] = {&grad.a, &grad.b, &grad.c};

  if (state.step == 0) log(0);
  for (std::int64_t step = state.step + 1; step <= cfg.steps; ++step) {
    const double loss = loss_and_gradient(p, split.train, reducer, ws, grad, head);
    if (!std::isfinite(loss)) {
      result.diverged = true;
      result.diverged_reason = "diverged at step " + std::to_string(step) +
                               ": train_loss became " + (std::isnan(loss) ? "nan" : "inf");
      break;
    }
    if (cfg.optimizer == Optimizer::kGd) {
      // Euler step of dz/dt = -q grad H - lambda z: particle speed independent of the width.
      const T decay = static_cast<T>(1.0 - cfg.lr * cfg.weight_decay);
      const T step_size = static_cast<T>(cfg.lr * static_cast<double>(p.global_count));
      for (int i = 0; i < 3; ++i) update.gd_update(*w[i], *gr[i], decay, step_size);
    } else if (cfg.optimizer == Optimizer::kSgd) {
      // PyTorch's SGD; the momentum buffer (opt.m) starts at zero.
      for (int i = 0; i < 3; ++i) update.sgd_update(*w[i], *gr[i], state.opt.m[i], cfg);
    } else {
      OptimizerState<T>& adam = state.opt;
      ++adam.t;
      const double bc1 = 1.0 - std::pow(cfg.beta1, static_cast<double>(adam.t));
      const double bc2 = 1.0 - std::pow(cfg.beta2, static_cast<double>(adam.t));
      for (int i = 0; i < 3; ++i) {
        update.adamw_update(*w[i], *gr[i], adam.m[i], adam.v[i], cfg, bc1, bc2);
      }
    }
    state.step = step;
    if (step == cfg.steps || (cfg.log_every > 0 && step % cfg.log_every == 0)) log(step);
    if (control == nullptr || step == cfg.steps) continue;
    double flags[2] = {0.0, 0.0};  // {stop, time-based checkpoint due}
    if (poll) {
      flags[0] = control->stop_requested && control->stop_requested() ? 1.0 : 0.0;
      flags[1] = control->checkpoint_every_seconds > 0.0 &&
                         elapsed() - last_save >= control->checkpoint_every_seconds
                     ? 1.0
                     : 0.0;
      reducer.max(flags, 2);
    }
    const bool by_steps =
        control->checkpoint_every_steps > 0 && step % control->checkpoint_every_steps == 0;
    if (control->save && (flags[0] > 0.0 || flags[1] > 0.0 || by_steps)) {
      save();
      last_save = elapsed();
    }
    if (flags[0] > 0.0) {
      result.interrupted = true;
      break;
    }
  }
  result.steps_done = state.step;
  result.log = std::move(state.log);
  result.wall_seconds = elapsed();
  return result;
}

template StepMetrics measure<float>(const GroupContext&, const Split&, const Particles<float>&,
                                    const Invariants&, std::int64_t, Reducer&, bool, const Head&);
template StepMetrics measure<double>(const GroupContext&, const Split&, const Particles<double>&,
                                     const Invariants&, std::int64_t, Reducer&, bool,
                                     const Head&);
template TrainResult train<float>(const GroupContext&, const Split&, const TrainConfig&, Particles<float>&,
                                Reducer&, const LogCallback&, TrainControl<float>*);
template TrainResult train<double>(const GroupContext&, const Split&, const TrainConfig&,
                                 Particles<double>&, Reducer&, const LogCallback&,
                                 TrainControl<double>*);

}  // namespace symsweep::core
