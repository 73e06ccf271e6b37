#pragma once

// One field list per record that travels. Every representation (the checkpoint, the MPI
// message, the SQL columns, the JSON) is generated from these lists, so adding a metric or a
// setting is one line here (plus a schema migration for its column).

#include <cstdint>
#include <optional>
#include <type_traits>

#include "symsweep/core/run.hpp"

namespace symsweep::core {

/// The names of one scalar field in each representation.
struct FieldName {
  /// The field's name: its column in `metrics` (per logged step) or `runs` (settings), and its
  /// key in `train --json`.
  const char* name;
  /// Metrics: the column of the final value in `runs`; nullptr when it has none.
  const char* run_column = nullptr;
  /// A former key of `train --json`, still printed beside `name` for the scripts that read it
  /// (README, "Names"); nullptr: none. The JSON key itself is `name`.
  const char* json_alias = nullptr;
};

template <typename R, typename Base>
concept RecordOf = std::is_same_v<std::remove_const_t<R>, Base>;

/// Visits the scalar fields of a logged step in their fixed order: `visit(FieldName, field)`
/// with `field` a (const) std::int64_t&, double& or std::optional<double>&. The per-step vectors
/// (rho_kkk, irreps) are not scalars: see visit_step_vectors.
template <RecordOf<StepMetrics> M, typename V>
void visit_step_scalars(M& m, V&& visit) {
  visit(FieldName{"step"}, m.step);
  visit(FieldName{"train_loss", "train_loss"}, m.train_loss);
  visit(FieldName{"test_loss", "test_loss"}, m.test_loss);
  visit(FieldName{"train_acc", "train_acc"}, m.train_acc);
  visit(FieldName{"test_acc", "test_acc"}, m.test_acc);
  visit(FieldName{"full_loss", "full_loss"}, m.full_loss);
  visit(FieldName{"binary_gap", "binary_gap"}, m.binary_gap);
  visit(FieldName{"max_offtarget_mp", "max_offtarget_mp"}, m.max_offtarget_mp);
  visit(FieldName{"effective_dim", "effective_dim"}, m.effective_dim);
  visit(FieldName{"frequencies_per_neuron", "frequencies_per_neuron"}, m.frequencies_per_neuron);
  visit(FieldName{"drift_q", "drift_q", "conservation_drift"}, m.drift.q);
  visit(FieldName{"drift_s", nullptr, "conservation_drift_s"}, m.drift.s);
  visit(FieldName{"drift_c", nullptr, "conservation_drift_c"}, m.drift.c);
  visit(FieldName{"off_target_energy", "off_target_energy"}, m.off_target_energy);
  visit(FieldName{"irrep_concentration", "irrep_concentration"}, m.irrep_concentration);
  visit(FieldName{"hessian_negative"}, m.hessian_negative);
  visit(FieldName{"hessian_large"}, m.hessian_large);
  visit(FieldName{"hessian_max"}, m.hessian_max);
  visit(FieldName{"hessian_min"}, m.hessian_min);
  visit(FieldName{"hessian_negative_est"}, m.hessian_negative_est);
  visit(FieldName{"hessian_negative_se"}, m.hessian_negative_se);
  visit(FieldName{"hessian_large_est"}, m.hessian_large_est);
  visit(FieldName{"hessian_large_se"}, m.hessian_large_se);
  visit(FieldName{"hessian_eff_dim"}, m.hessian_eff_dim);
}

/// Visits the per-step vectors: `visit(name, field)` with the (const) optional vectors rho_kkk
/// (one complex value per frequency) and irreps (one IrrepValue per irrep).
template <RecordOf<StepMetrics> M, typename V>
void visit_step_vectors(M& m, V&& visit) {
  visit("rho_kkk", m.rho_kkk);
  visit("irreps", m.irreps);
}

/// Visits the fields of one irrep's potentials: `visit(name, field)` (int& or double&).
template <RecordOf<IrrepValue> I, typename V>
void visit_irrep_fields(I& v, V&& visit) {
  visit("index", v.index);
  visit("dim", v.dim);
  visit("indicator", v.indicator);
  visit("rho", v.rho);
  visit("gap", v.gap);
}

/// Visits the training settings of one or several configs in step, in the order of the
/// canonical config JSON (the config hash): `visit(name, hashed_at_default, field_of_configs...)`
/// with each field a (const) std::int64_t&, std::uint64_t&, double&, std::string& or a SettingEnum&
/// (train_config.hpp: its spelling is to_string / parse_setting).
/// A setting with `hashed_at_default` false enters the canonical JSON only when it differs from
/// its default, so adding a setting keeps every stored hash valid. Each setting is also a
/// column of `runs`.
template <typename V, RecordOf<TrainConfig>... C>
void visit_train_settings(V&& visit, C&... c) {
  visit("width", true, c.width...);
  visit("seed", true, c.seed...);
  visit("optimizer", true, c.optimizer...);
  visit("lr", true, c.lr...);
  visit("weight_decay", true, c.weight_decay...);
  visit("init_scale", true, c.init_scale...);
  visit("steps", true, c.steps...);
  visit("precision", true, c.precision...);
  visit("log_every", true, c.log_every...);
  visit("potentials", false, c.potentials...);
  visit("beta1", false, c.beta1...);
  visit("beta2", false, c.beta2...);
  visit("adam_eps", false, c.adam_eps...);
  visit("parametrization", false, c.parametrization...);
  visit("input_multiplier", false, c.input_multiplier...);
  visit("output_multiplier", false, c.output_multiplier...);
  visit("init", false, c.init...);
  visit("init_scale_out", false, c.init_scale_out...);
  visit("loss", false, c.loss...);
  visit("momentum", false, c.momentum...);
  visit("target_frequencies", false, c.target_frequencies...);
  visit("spectrum_every", false, c.spectrum_every...);
  visit("spectrum_k", false, c.spectrum_k...);
}

/// Visits the matrices of a training state whose rows are the particles (the optimiser
/// moments, the initial invariants), of one or of several states in step:
/// `visit(name, part_of_states...)`. The checkpoint writes them and a team gathers and scatters
/// them by rows, from this one list.
template <typename V, typename... S>
void visit_state_rows(V&& visit, S&... states) {
  static const char* const kNames[2][3] = {{"m_a", "m_b", "m_c"}, {"v_a", "v_b", "v_c"}};
  for (int i = 0; i < 3; ++i) {
    visit(kNames[0][i], states.opt.m[i]...);
    visit(kNames[1][i], states.opt.v[i]...);
  }
  visit("initial_q", states.initial.q...);
  visit("initial_s", states.initial.s...);
  visit("initial_c", states.initial.c...);
}

}  // namespace symsweep::core
