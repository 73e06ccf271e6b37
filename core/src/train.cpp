#include "symsweep/core/train.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>

#include "kernels/kernels.hpp"
#include "symsweep/core/error.hpp"

namespace symsweep::core {

Optimizer parse_optimizer(const std::string& s) {
  if (s == "gd") return Optimizer::kGd;
  if (s == "adamw") return Optimizer::kAdamW;
  throw InputError("optimizer \"" + s + "\": expected gd or adamw");
}

Precision parse_precision(const std::string& s) {
  if (s == "f32") return Precision::kF32;
  if (s == "f64") return Precision::kF64;
  throw InputError("precision \"" + s + "\": expected f32 or f64");
}

Potentials parse_potentials(const std::string& s) {
  if (s == "auto") return Potentials::kAuto;
  if (s == "full") return Potentials::kFull;
  if (s == "diagonal") return Potentials::kDiagonal;
  throw InputError("potentials \"" + s + "\": expected auto, full or diagonal");
}

const char* to_string(Optimizer o) { return o == Optimizer::kGd ? "gd" : "adamw"; }
const char* to_string(Potentials p) {
  return p == Potentials::kAuto ? "auto" : p == Potentials::kFull ? "full" : "diagonal";
}
const char* to_string(Precision p) { return p == Precision::kF32 ? "f32" : "f64"; }

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
  if (steps < 0) fail("steps " + std::to_string(steps) + ": expected >= 0");
  if (log_every < 0) fail("log every " + std::to_string(log_every) + ": expected >= 0");
}

GroupContext::GroupContext(Group g) : group_(std::move(g)), all_(core::all_pairs(group_)) {
  if (!group_.cyclic_factors().empty()) {
    dual_.emplace(group_);
  } else if (group_.order() <= kMaxIrrepOrder) {
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

template <typename T>
StepMetrics measure(const GroupContext& task, const Split& split, const Particles<T>& p,
                    const Invariants& initial, std::int64_t step, Reducer& reducer,
                    bool full_potentials) {
  StepMetrics m;
  m.step = step;
  const Evaluation tr = evaluate(p, split.train, reducer);
  const Evaluation te = evaluate(p, split.test, reducer);
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
  if (const DualGroup* dual = task.dual()) {
    const FourierCoords f = fourier_coords(z, *dual);
    if (full_potentials) {
      MpSummary mp = monomial_potentials(f, p.global_count, *dual, reducer);
      m.rho_kkk = std::move(mp.rho_kkk);
      m.max_offtarget_mp = mp.max_offtarget;
      m.binary_gap = mp.binary_gap;
    } else {
      m.rho_kkk = rho_kkk(f, p.global_count, *dual, reducer);
    }
    m.frequencies_per_neuron = frequencies_per_neuron(f, p.global_count, reducer);
  } else if (const IrrepPotentials* pot = task.irrep_potentials()) {
    const IrrepMpSummary s = pot->summarize(z, p.global_count, reducer);
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

template <typename T>
TrainResult train(const GroupContext& task, const Split& split, const TrainConfig& cfg, Particles<T>& p,
                Reducer& reducer, const LogCallback& on_log, TrainControl<T>* control) {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  TrainState<T> state;
  if (control != nullptr && control->resume != nullptr) {
    state = *control->resume;
  } else {
    state.initial = invariants(p.stacked());
    if (cfg.optimizer == Optimizer::kAdamW) {
      for (int i = 0; i < 3; ++i) {
        state.opt.m[i].setZero(p.local_count(), p.n());
        state.opt.v[i].setZero(p.local_count(), p.n());
      }
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
  auto log = [&](std::int64_t step) {
    state.log.push_back(
        measure(task, split, p, state.initial, step, reducer, full_potentials));
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
    const double loss = loss_and_gradient(p, split.train, reducer, ws, grad);
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
                                    const Invariants&, std::int64_t, Reducer&, bool);
template StepMetrics measure<double>(const GroupContext&, const Split&, const Particles<double>&,
                                     const Invariants&, std::int64_t, Reducer&, bool);
template TrainResult train<float>(const GroupContext&, const Split&, const TrainConfig&, Particles<float>&,
                                Reducer&, const LogCallback&, TrainControl<float>*);
template TrainResult train<double>(const GroupContext&, const Split&, const TrainConfig&,
                                 Particles<double>&, Reducer&, const LogCallback&,
                                 TrainControl<double>*);

}  // namespace symsweep::core
