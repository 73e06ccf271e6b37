#include "commands/eval_command.hpp"

#include <fmt/core.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <variant>

#include "symsweep/core/data.hpp"
#include "symsweep/core/diagnostics.hpp"
#include "symsweep/core/error.hpp"
#include "symsweep/core/gap.hpp"
#include "symsweep/core/group_context.hpp"
#include "symsweep/core/model.hpp"
#include "symsweep/core/npy.hpp"
#include "symsweep/core/reducer.hpp"
#include "symsweep/core/train.hpp"
#include "commands/cli.hpp"
#include "commands/show_command.hpp"
#include "commands/train_command.hpp"
#include "store/queries.hpp"
#include "store/store.hpp"

namespace symsweep::sweeps {

namespace {

/// Keys of a logged step's JSON that mean nothing for one saved network: the step, the split's
/// losses and accuracies (eval has all pairs: `loss`, `accuracy`) and the drifts from an
/// initial state it does not have.
bool step_only(const std::string& key) {
  return key == "step" || key.rfind("train_", 0) == 0 || key.rfind("test_", 0) == 0 ||
         key == "full_loss" || key.rfind("drift", 0) == 0 || key.rfind("conservation_drift", 0) == 0;
}

}  // namespace

namespace {

/// DB of a DB:RUN source: the part before the last ':' when it is a file and the whole is not.
std::optional<std::string> database_of(const std::string& source) {
  const std::size_t colon = source.rfind(':');
  std::error_code ec;
  if (colon != std::string::npos && colon + 1 < source.size() &&
      std::filesystem::is_regular_file(source.substr(0, colon), ec) &&
      !std::filesystem::exists(source, ec)) {
    return source.substr(0, colon);
  }
  return std::nullopt;
}

}  // namespace

void remember_gap_answers_of(const std::vector<std::string>& sources) {
  for (const std::string& source : sources) {
    const std::optional<std::string> db = database_of(source);
    if (!db) continue;
    try {
      ResultsStore stored(*db, Database::Mode::kReadOnly);
      core::remember_gap_answers(stored.gap_answers());
    } catch (const DatabaseError&) {
      // Not a results database: load_network says so, naming the source.
    }
  }
}

Eigen::MatrixXd load_network(const std::string& source, const core::Group& g,
                             std::string_view what) {
  std::string path = source;
  // DB:RUN, when the part before the last ':' is a file and the part after it names a run.
  if (const std::optional<std::string> found = database_of(source)) {
    const std::string& db = *found;
    ResultsReader reader(db, what, "DB:RUN");
    const std::int64_t id = resolve_run(reader, source.substr(db.size() + 1), what);
    const RunRecord run = reader.run(id);
    const std::string* file = nullptr;
    for (const auto& [name, value] : run.columns) {
      if (name == "particles") file = std::get_if<std::string>(&value);
    }
    if (file == nullptr) {
      throw InputError(fmt::format(
          "{} \"{}\": run {} kept no particles (its sweep needs save_particles = true in "
          "[sweep], or train --save-particles)",
          what, source, id));
    }
    path = particles_dir(db) + "/" + *file;
  }
  Eigen::MatrixXd z = core::read_npy(path);
  const int n = g.order();
  if (z.rows() < 1 || z.cols() != 3 * static_cast<Eigen::Index>(n)) {
    throw InputError(fmt::format(
        "{} \"{}\": a {} x {} matrix, but a network on {} (n = {}) has one row "
        "per neuron and 3n = {} columns (w_a | w_b | w_c)",
        what, source, z.rows(), z.cols(), g.spec(), n, 3 * n));
  }
  if (!z.allFinite()) {
    throw InputError(fmt::format("{} \"{}\": not every value is finite", what, source));
  }
  return z;
}

nlohmann::json report_network(const core::Group& g, const Eigen::MatrixXd& z,
                              const EvalOptions& o) {
  const int n = g.order();
  core::TrainConfig cfg;
  cfg.width = z.rows();
  cfg.parametrization = core::parse_setting<core::Parametrization>(o.parametrization);
  cfg.input_multiplier = o.input_multiplier;
  cfg.output_multiplier = o.output_multiplier;
  cfg.loss = core::parse_setting<core::Loss>(o.loss);
  cfg.potentials = core::parse_potentials(o.potentials);
  cfg.validate();

  const core::GroupContext task(g, cfg.potentials == core::Potentials::kFull);
  core::Split split;
  split.train = core::all_pairs(g);
  split.sampled = split.train.size();
  core::LocalReducer reducer;
  const core::Particles<double> p =
      core::particles_from_stacked<double>(z, core::shard_range(cfg.width, 1, 0));
  const bool full = core::measures_full_potentials(cfg, n, split.train.size());
  const std::string note = task.dual() == nullptr ? core::irreps_note(task)
                           : full ? std::string()
                                  : core::potentials_note(cfg, n, split.train.size());
  const core::StepMetrics m = core::measure(task, split, p, core::invariants(z), 0, reducer, full,
                                            core::head_of(cfg, g));

  if (o.json) {
    nlohmann::json j;
    j["group"] = g.spec();
    j["order"] = n;
    j["width"] = cfg.width;
    j["pairs"] = split.train.size();
    j["parametrization"] = o.parametrization;
    j["loss_kind"] = o.loss;
    j["loss"] = m.train_loss;
    j["accuracy"] = m.train_acc;
    const nlohmann::json metrics = metrics_json(m);
    for (auto it = metrics.begin(); it != metrics.end(); ++it) {
      if (!step_only(it.key())) j[it.key()] = it.value();
    }
    j["potentials_note"] = note.empty() ? nlohmann::json(nullptr) : nlohmann::json(note);
    return j;
  }
  fmt::print("{} (n = {}), q = {}, {} / {}: loss {:.6g}, accuracy {:.4f} on all {} pairs\n",
             g.spec(), n, cfg.width, o.parametrization, o.loss, m.train_loss, m.train_acc,
             split.train.size());
  fmt::print("  effective dim {:.3f}\n", m.effective_dim);
  print_potentials(m);
  if (!note.empty()) fmt::print(stderr, "symsweep: note: {}\n", note);
  if (m.rho_kkk) {
    fmt::print("  |rho_kkk| by k:");
    for (std::size_t k = 0; k < m.rho_kkk->size(); ++k) {
      fmt::print(" {}:{:.3f}", k + 1, std::abs((*m.rho_kkk)[k]));  // k = 1..n-1
    }
    fmt::print("\n");
  }
  return {};
}

int run_eval(const EvalOptions& o) {
  remember_gap_answers_of({o.particles});  // a gap: group needs no GAP for a DB:RUN network
  const core::Group g = core::make_group(o.group);
  const Eigen::MatrixXd z = load_network(o.particles, g, "eval: --particles");
  const nlohmann::json j = report_network(g, z, o);
  if (o.json) fmt::print("{}\n", j.dump());
  return kExitOk;
}

}  // namespace symsweep::sweeps
