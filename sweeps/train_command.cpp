#include "sweeps/train_command.hpp"

#include <fmt/core.h>

#include <cmath>
#include <filesystem>

#include "core/error.hpp"
#include "core/npy.hpp"
#include "sweeps/cli.hpp"
#include "sweeps/progress.hpp"

namespace symsweep::sweeps {

void add_train_flags(CLI::App& app, TrainOptions& o) {
  app.add_option("--group", o.run.group, "group spec (see `symsweep groups`)")->capture_default_str();
  app.add_option("--width", o.run.train.width, "number of particles q")->capture_default_str();
  app.add_option("--data-fraction", o.run.data_fraction, "fraction f of the n^2 pairs sampled, in (0, 1]")
      ->capture_default_str();
  app.add_option("--augment", o.run.augment, "augmentation subgroup: none | order:D | generated:i,j")
      ->capture_default_str();
  app.add_option("--seed", o.run.train.seed, "run seed (split and initial particles)")
      ->capture_default_str();
  app.add_option("--steps", o.run.train.steps, "training steps")->capture_default_str();
  app.add_option("--optimizer", o.optimizer, "gd (the Wasserstein flow) | adamw")
      ->capture_default_str();
  app.add_option("--lr", o.run.train.lr, "step eta (gd) or learning rate (adamw)")
      ->capture_default_str();
  app.add_option("--weight-decay", o.run.train.weight_decay, "lambda")->capture_default_str();
  app.add_option("--init-scale", o.run.train.init_scale, "s in z ~ N(0, s^2 I)")
      ->capture_default_str();
  app.add_option("--precision", o.precision, "f32 | f64")->capture_default_str();
  app.add_option("--log-every", o.run.train.log_every, "steps between logged metrics (0: ends only)")
      ->capture_default_str();
  app.add_flag("--json", o.json, "print one JSON object on stdout");
  app.add_option("--save-particles", o.save_particles,
                 "write the final particles as a float64 .npy (q x 3n: w_a | w_b | w_c)");
}

namespace {

nlohmann::json opt(const std::optional<double>& v) {
  return v && std::isfinite(*v) ? nlohmann::json(*v) : nlohmann::json(nullptr);
}
nlohmann::json num(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }

/// The JSON object `train --json` prints: the config, then the final metrics.
nlohmann::json run_json(const core::RunConfig& c, const core::RunOutcome& out, int ranks) {
  const core::TrainConfig& t = c.train;
  nlohmann::json j;
  j["config"] = {{"group", c.group},
                 {"group_order", out.group_order},
                 {"abelian", out.abelian},
                 {"width", t.width},
                 {"data_fraction", c.data_fraction},
                 {"augment", c.augment},
                 {"augment_order", out.augment_order},
                 {"seed", t.seed},
                 {"steps", t.steps},
                 {"optimizer", core::to_string(t.optimizer)},
                 {"lr", t.lr},
                 {"weight_decay", t.weight_decay},
                 {"init_scale", t.init_scale},
                 {"precision", core::to_string(t.precision)},
                 {"log_every", t.log_every},
                 {"ranks", ranks}};
  j.update(metrics_json(out.result.log.back()));
  j["steps"] = out.result.steps_done;
  j["status"] = core::to_string(out.status);
  j["wall_seconds"] = out.result.wall_seconds;
  j["train_pairs"] = out.train_pairs;
  j["sampled_pairs"] = out.sampled_pairs;
  j["kappa"] = out.result.kappa;
  j["laws_per_neuron"] = 2 + out.result.kappa;
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
  if (last.rho_kkk) {
    fmt::print("  binary gap {:.4g}  max off-target MP {:.4g}  frequencies/neuron {:.2f}\n",
               *last.binary_gap, *last.max_offtarget_mp, *last.frequencies_per_neuron);
  } else if (last.irreps) {
    fmt::print("  binary gap {:.4g}  off-target energy {:.4g}  irrep concentration {:.3f}\n",
               *last.binary_gap, *last.off_target_energy, *last.irrep_concentration);
    for (const core::IrrepValue& v : *last.irreps) {
      fmt::print("    irrep {} (d = {}, indicator {:+d}): rho {:.4f}  gap {:.4g}\n", v.index, v.dim,
                 v.indicator, v.rho, v.gap);
    }
  } else {
    fmt::print("  monomial potentials: n/a (group larger than {} without characters)\n",
               core::Task::kMaxIrrepOrder);
  }
}

}  // namespace

nlohmann::json metrics_json(const core::StepMetrics& m) {
  nlohmann::json j;
  j["step"] = m.step;
  j["train_loss"] = num(m.train_loss);
  j["test_loss"] = opt(m.test_loss);
  j["train_acc"] = num(m.train_acc);
  j["test_acc"] = opt(m.test_acc);
  j["full_loss"] = num(m.full_loss);
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
      irreps.push_back({{"index", v.index},
                        {"dim", v.dim},
                        {"indicator", v.indicator},
                        {"rho", v.rho},
                        {"gap", v.gap}});
    }
    j["irreps"] = irreps;
  } else {
    j["irreps"] = nullptr;
  }
  j["off_target_energy"] = opt(m.off_target_energy);
  j["irrep_concentration"] = opt(m.irrep_concentration);
  j["max_offtarget_mp"] = opt(m.max_offtarget_mp);
  j["binary_gap"] = opt(m.binary_gap);
  j["frequencies_per_neuron"] = opt(m.frequencies_per_neuron);
  j["effective_dim"] = num(m.effective_dim);
  j["conservation_drift"] = num(m.drift.q);
  j["conservation_drift_s"] = num(m.drift.s);
  j["conservation_drift_c"] = num(m.drift.c);
  return j;
}

void validate_train(TrainOptions& o) {
  o.run.train.optimizer = core::parse_optimizer(o.optimizer);
  o.run.train.precision = core::parse_precision(o.precision);
  o.run.validate_fully();
  if (!o.save_particles.empty()) {
    const auto dir = std::filesystem::absolute(o.save_particles).parent_path();
    if (!std::filesystem::is_directory(dir)) {
      throw InputError("--save-particles " + o.save_particles + ": directory " + dir.string() +
                       " does not exist");
    }
  }
}

int run_train(const TrainOptions& o, core::Reducer& reducer) {
  const bool leader = reducer.rank() == 0;
  Progress progress("train " + o.run.group, o.run.train.steps);
  auto on_log = [&](const core::StepMetrics& m) {
    if (!leader) return;
    progress.update(m.step, fmt::format("loss {:.4g} train {:.3f} test {}", m.train_loss,
                                        m.train_acc,
                                        m.test_acc ? fmt::format("{:.3f}", *m.test_acc) : "-"));
  };
  core::TaskCache cache;
  Eigen::MatrixXd particles;
  const core::RunOutcome out = core::execute_run(
      o.run, reducer, cache, on_log, o.save_particles.empty() ? nullptr : &particles);
  if (!leader) return out.result.diverged ? kExitFailure : kExitOk;
  progress.finish();
  if (!o.save_particles.empty()) core::write_npy(o.save_particles, particles);
  if (o.json) {
    fmt::print("{}\n", run_json(o.run, out, reducer.size()).dump());
  } else {
    print_summary(o.run, out);
  }
  return out.result.diverged ? kExitFailure : kExitOk;
}

}  // namespace symsweep::sweeps
