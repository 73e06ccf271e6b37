#include "commands/train_command.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <limits>
#include <string_view>

#include "symsweep/core/error.hpp"
#include "symsweep/core/fields.hpp"
#include "symsweep/core/npy.hpp"
#include "symsweep/core/resources.hpp"
#include "commands/cli.hpp"
#include "spec/limits.hpp"
#include "commands/progress.hpp"

namespace symsweep::sweeps {

namespace {

/// An integer flag parsed strictly: decimal digits with an optional sign, in [lo, hi]; anything
/// else (a fraction, an overflow, -1 for an unsigned value) is one line naming the flag and the
/// range. (CLI11 itself wraps -1 into 2^64 - 1 and saturates overflows.)
template <typename T>
void add_integer_flag(CLI::App& app, const std::string& name, T& target, std::int64_t lo,
                      std::int64_t hi, const std::string& help) {
  app.add_option_function<std::string>(
         name,
         [&target, name, lo, hi](const std::string& text) {
           target = static_cast<T>(parse_integer_flag(name, text, lo, hi));
         },
         help)
      ->default_str(std::to_string(target));
}

}  // namespace

std::int64_t parse_integer_flag(const std::string& flag, const std::string& text, std::int64_t lo,
                                std::int64_t hi) {
  const std::string range = fmt::format("expected an integer in {}..{}", lo, hi);
  std::string_view digits = text;
  const bool negative = !digits.empty() && digits.front() == '-';
  if (!digits.empty() && (digits.front() == '-' || digits.front() == '+')) digits.remove_prefix(1);
  const bool all_digits = !digits.empty() && std::all_of(digits.begin(), digits.end(), [](char c) {
    return c >= '0' && c <= '9';
  });
  if (!all_digits) throw CLI::ValidationError(fmt::format("{} \"{}\": {}", flag, text, range));
  std::int64_t value = 0;
  const auto [ptr, ec] = std::from_chars(text.data() + (text.front() == '+' ? 1 : 0),
                                         text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size() || value < lo || value > hi) {
    // Out of range, or too long for 64 bits (a digit string that from_chars refuses).
    throw CLI::ValidationError(fmt::format("{} {}: {}{}", flag, text, range,
                                           negative && lo >= 0 ? " (not negative)" : ""));
  }
  return value;
}

void add_train_flags(CLI::App& app, TrainOptions& o) {
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  app.add_option("--group", o.run.group, "group spec (see `symsweep groups`)")->capture_default_str();
  add_integer_flag(app, "--width", o.run.train.width, 1, core::TrainConfig::kMaxWidth,
                   "number of particles q");
  app.add_option("--data-fraction", o.run.data_fraction, "fraction f of the n^2 pairs sampled, in (0, 1]")
      ->capture_default_str();
  app.add_option("--augment", o.run.augment, "augmentation subgroup: none | order:D | generated:i,j")
      ->capture_default_str();
  add_integer_flag(app, "--seed", o.run.train.seed, 0, kMax,
                   "run seed (split and initial particles)");
  add_integer_flag(app, "--steps", o.run.train.steps, 0, kMax, "training steps");
  app.add_option("--optimizer", o.optimizer,
                 "gd (the Wasserstein flow) | sgd | adam | adamw (PyTorch's SGD, Adam, AdamW)")
      ->capture_default_str();
  app.add_option("--lr", o.run.train.lr, "step eta (gd) or learning rate (sgd, adam, adamw)")
      ->capture_default_str();
  app.add_option("--weight-decay", o.run.train.weight_decay,
                 "lambda (gd, adamw: decoupled; sgd, adam: L2 added to the gradient)")
      ->capture_default_str();
  app.add_option("--target-frequencies", o.run.train.target_frequencies,
                 "a partial task: train on the targets projected onto these frequencies and "
                 "their negatives, e.g. 1-5 or 1,3,6-8 (mse losses; docs/model.md)");
  app.add_option("--spectrum-every", o.run.train.spectrum_every,
                 "measure both ends of the loss Hessian's spectrum at the logged steps that are "
                 "multiples of this (and the last); 0: never")
      ->capture_default_str();
  app.add_option("--spectrum-k", o.run.train.spectrum_k,
                 "eigenvalues computed at each end of the spectrum")
      ->capture_default_str();
  app.add_option("--momentum", o.run.train.momentum, "sgd's momentum, in [0, 1)")
      ->capture_default_str();
  app.add_option("--beta1", o.run.train.beta1, "Adam(W)'s beta1")->capture_default_str();
  app.add_option("--beta2", o.run.train.beta2, "Adam(W)'s beta2")->capture_default_str();
  app.add_option("--adam-eps", o.run.train.adam_eps, "Adam(W)'s eps")->capture_default_str();
  app.add_option("--parametrization", o.parametrization,
                 "f = beta sum_j w_c (alpha (w_a + w_b))^2 with (alpha, beta): mean-field "
                 "(1, 1/(2nq)) | standard (1, 1) | gromov (1/sqrt(2n), 1/q) | custom")
      ->capture_default_str();
  app.add_option("--input-multiplier", o.run.train.input_multiplier, "alpha (custom)")
      ->capture_default_str();
  app.add_option("--output-multiplier", o.run.train.output_multiplier, "beta (custom)")
      ->capture_default_str();
  app.add_option("--init", o.init,
                 "initial law: normal | uniform | torch-default (U(+-1/sqrt(fan_in)), fan_in n "
                 "and q) | torch-default-concat (fan_in 2n and q)")
      ->capture_default_str();
  app.add_option("--init-scale", o.run.train.init_scale,
                 "s: the input layers' N(0, s^2) or U(-s, s)")
      ->capture_default_str();
  app.add_option("--init-scale-out", o.run.train.init_scale_out,
                 "the output layer's s (0: --init-scale)")
      ->capture_default_str();
  app.add_option("--loss", o.loss, "centred-mse | mse (nn.MSELoss on one-hot) | cross-entropy")
      ->capture_default_str();
  app.add_option("--precision", o.precision, "f32 | f64")->capture_default_str();
  app.add_option("--potentials", o.potentials,
                 "what a logged step measures: auto (every rho_{k1 k2 k} while it costs at most "
                 "10 training steps, else rho_kkk only) | full | diagonal (rho_kkk only)")
      ->capture_default_str();
  add_integer_flag(app, "--log-every", o.run.train.log_every, 0, kMax,
                   "steps between logged metrics (0: ends only)");
  app.add_flag("--json", o.json, "print one JSON object on stdout");
  app.add_option("--save-particles", o.save_particles,
                 "write the final particles as a float64 .npy (q x 3n: w_a | w_b | w_c)");
  app.add_option("--max-memory", o.max_memory,
                 "refuse to start when one rank is estimated to need more memory than this, e.g. "
                 "4G, 1.5GiB (default: MemAvailable, or the cgroup's limit if smaller, shared by "
                 "the ranks on this node)");
}

namespace {

nlohmann::json opt(const std::optional<double>& v) {
  return v && std::isfinite(*v) ? nlohmann::json(*v) : nlohmann::json(nullptr);
}
nlohmann::json num(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }
nlohmann::json json_number(double v) { return num(v); }
nlohmann::json json_number(const std::optional<double>& v) { return opt(v); }
nlohmann::json json_number(std::int64_t v) { return v; }
template <typename V>
nlohmann::json setting_json(const V& v) {
  if constexpr (std::is_enum_v<V>) {
    return core::to_string(v);
  } else {
    return v;
  }
}

/// The JSON object `train --json` prints: the config, then the final metrics.
nlohmann::json run_json(const core::RunConfig& c, const core::RunOutcome& out, int ranks) {
  const core::TrainConfig& t = c.train;
  nlohmann::json j;
  j["config"] = {{"group", c.group},
                 {"group_order", out.group_order},
                 {"abelian", out.abelian},
                 {"data_fraction", c.data_fraction},
                 {"augment", c.augment},
                 {"augment_order", out.augment_order},
                 {"ranks", ranks}};
  core::visit_train_settings(
      [&](const char* name, bool, const auto& value) { j["config"][name] = setting_json(value); },
      t);
  j.update(metrics_json(out.result.log.back()));
  j["steps"] = out.result.steps_done;
  j["status"] = core::to_string(out.status);
  j["wall_seconds"] = out.result.wall_seconds;
  j["train_pairs"] = out.train_pairs;
  j["sampled_pairs"] = out.sampled_pairs;
  j["potentials_note"] = out.potentials_note.empty() ? nlohmann::json(nullptr)
                                                     : nlohmann::json(out.potentials_note);
  j["kernels"] = out.kernels;
  j["kappa"] = out.result.kappa;
  j["laws_per_neuron"] = 2 + out.result.kappa;
  nlohmann::json log = nlohmann::json::array();  // every logged step, the last one included
  for (const core::StepMetrics& m : out.result.log) log.push_back(metrics_json(m));
  j["log"] = std::move(log);
  return j;
}

void print_summary(const core::RunConfig& c, const core::RunOutcome& out) {
  const core::StepMetrics& last = out.result.log.back();
  fmt::print("group {} (n = {}), q = {}, f = {}, augment {}: {} steps in {:.2f} s{}\n", c.group,
             out.group_order, c.train.width, c.data_fraction, c.augment, out.result.steps_done,
             out.result.wall_seconds, out.result.diverged ? " (DIVERGED)" : "");
  fmt::print("  train loss {:.6g}  acc {:.4f}\n", last.train_loss, last.train_acc);
  if (last.test_acc) {
    fmt::print("  test  loss {:.6g}  acc {:.4f}\n", *last.test_loss, *last.test_acc);
  }
  fmt::print("  full loss {:.6g}  effective dim {:.3f}  Q drift {:.3g}\n", last.full_loss,
             last.effective_dim, last.drift.q);
  print_potentials(last);
}

}  // namespace

void print_potentials(const core::StepMetrics& m) {
  if (m.rho_kkk && m.binary_gap) {
    fmt::print("  binary gap {:.4g}  max off-target MP {:.4g}  frequencies/neuron {:.2f}\n",
               *m.binary_gap, *m.max_offtarget_mp, *m.frequencies_per_neuron);
  } else if (m.rho_kkk) {
    fmt::print("  frequencies/neuron {:.2f} (binary gap, max off-target MP: not measured, see "
               "the note)\n",
               *m.frequencies_per_neuron);
  } else if (m.irreps) {
    fmt::print("  binary gap {:.4g}  off-target energy {:.4g}  irrep concentration {:.3f}\n",
               *m.binary_gap, *m.off_target_energy, *m.irrep_concentration);
    for (const core::IrrepValue& v : *m.irreps) {
      fmt::print("    irrep {} (d = {}, indicator {:+d}): rho {:.4f}  gap {:.4g}\n", v.index, v.dim,
                 v.indicator, v.rho, v.gap);
    }
  } else {
    fmt::print("  monomial potentials: n/a (more than {} elements without closed-form "
               "characters: see the note)\n",
               core::GroupContext::kMaxIrrepOrder);
  }
}

nlohmann::json metrics_json(const core::StepMetrics& m) {
  nlohmann::json j;
  core::visit_step_scalars(m, [&](core::FieldName f, const auto& value) {
    j[f.name] = json_number(value);
    if (f.json_alias != nullptr) j[f.json_alias] = json_number(value);
  });
  if (m.rho_kkk) {
    nlohmann::json rho = nlohmann::json::array();
    for (const auto& z : *m.rho_kkk) rho.push_back({z.real(), z.imag()});
    j["rho_kkk"] = rho;
  } else {
    j["rho_kkk"] = nullptr;
  }
  if (m.irreps) {
    nlohmann::json irreps = nlohmann::json::array();
    for (const core::IrrepValue& v : *m.irreps) {
      nlohmann::json one;
      core::visit_irrep_fields(v, [&](const char* name, const auto& field) { one[name] = field; });
      irreps.push_back(std::move(one));
    }
    j["irreps"] = irreps;
  } else {
    j["irreps"] = nullptr;
  }
  return j;
}

void validate_train(TrainOptions& o) {
  o.run.train.optimizer = core::parse_optimizer(o.optimizer);
  o.run.train.potentials = core::parse_potentials(o.potentials);
  o.run.train.precision = core::parse_precision(o.precision);
  o.run.train.parametrization = core::parse_setting<core::Parametrization>(o.parametrization);
  o.run.train.init = core::parse_setting<core::Init>(o.init);
  o.run.train.loss = core::parse_setting<core::Loss>(o.loss);
  const MemoryLimit limit = memory_limit(o.max_memory);
  o.run.validate();
  // RunConfig::validate_fully, keeping the group for the estimate.
  const core::Group group = core::make_group(o.run.group);
  const auto subgroup = core::make_subgroup(group, o.run.augment);
  if (!o.run.train.target_frequencies.empty()) {
    core::group_frequency_list(group, o.run.train.target_frequencies);
  }
  if (!o.save_particles.empty()) {
    const auto dir = std::filesystem::absolute(o.save_particles).parent_path();
    if (!std::filesystem::is_directory(dir)) {
      throw InputError("--save-particles " + o.save_particles + ": directory " + dir.string() +
                       " does not exist");
    }
  }
  // Before anything is allocated: every rank of the world is in the one team.
  const int ranks = launcher_world_size();
  try {
    o.warnings = check_train_resources(
        o.run, core::task_shape(group, o.run.train.potentials == core::Potentials::kFull),
                                       static_cast<int>(subgroup.size()), ranks,
                                       !o.save_particles.empty(), limit);
  } catch (const InputError& e) {
    // The machine's memory may differ between the nodes of a job: then the ranks decide
    // together (run_train), so that none of them goes on alone.
    if (!o.max_memory.empty() || ranks == 1) throw;
    o.memory_refusal = e.what();
  }
}

int run_train(const TrainOptions& o, core::Reducer& reducer) {
  const bool leader = reducer.rank() == 0;
  if (reducer.size() > 1) {
    double refuse = o.memory_refusal.empty() ? 0.0 : 1.0;
    reducer.max(&refuse, 1);
    if (refuse > 0.0) {
      throw InputError(!o.memory_refusal.empty()
                           ? o.memory_refusal
                           : "train: a rank on another node has less memory available than this "
                             "network needs per rank (--max-memory to change)");
    }
  }
  if (leader) {
    for (const std::string& w : o.warnings) fmt::print(stderr, "symsweep: warning: {}\n", w);
  }
  Progress progress("train " + o.run.group, o.run.train.steps);
  auto on_log = [&](const core::StepMetrics& m) {
    if (!leader) return;
    progress.update(m.step, fmt::format("loss {:.4g} train {:.3f} test {}", m.train_loss,
                                        m.train_acc,
                                        m.test_acc ? fmt::format("{:.3f}", *m.test_acc) : "-"));
  };
  core::GroupContextCache cache;
  Eigen::MatrixXd particles;
  const core::RunOutcome out = core::execute_run(
      o.run, reducer, cache, on_log, o.save_particles.empty() ? nullptr : &particles);
  if (!leader) return out.result.diverged ? kExitFailure : kExitOk;
  progress.finish();
  if (!out.potentials_note.empty()) fmt::print(stderr, "symsweep: note: {}\n", out.potentials_note);
  if (!o.save_particles.empty()) core::write_npy(o.save_particles, particles);
  if (o.json) {
    fmt::print("{}\n", run_json(o.run, out, reducer.size()).dump());
  } else {
    print_summary(o.run, out);
  }
  return out.result.diverged ? kExitFailure : kExitOk;
}

}  // namespace symsweep::sweeps
