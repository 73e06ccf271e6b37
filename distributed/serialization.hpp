#pragma once

// Boost.Serialization for the control messages between master and teams (run configs and
// their outcomes). Per-step sums never go through here: they use raw in-place allreduce.

#include <boost/serialization/complex.hpp>
#include <boost/serialization/string.hpp>
#include <boost/serialization/vector.hpp>
#include <optional>

#include "core/run.hpp"

namespace boost::serialization {

template <class Archive, class T>
void save_optional(Archive& ar, const std::optional<T>& v) {
  const bool has = v.has_value();
  ar << has;
  if (has) ar << *v;
}

template <class Archive, class T>
void load_optional(Archive& ar, std::optional<T>& v) {
  bool has = false;
  ar >> has;
  if (has) {
    T value{};
    ar >> value;
    v = std::move(value);
  } else {
    v.reset();
  }
}

template <class Archive, class T>
void serialize(Archive& ar, std::optional<T>& v, const unsigned int /*version*/) {
  if constexpr (Archive::is_saving::value) {
    save_optional(ar, v);
  } else {
    load_optional(ar, v);
  }
}

template <class Archive>
void serialize(Archive& ar, symsweep::core::TrainConfig& c, const unsigned int /*version*/) {
  ar & c.width & c.optimizer & c.lr & c.weight_decay & c.init_scale & c.steps & c.precision &
      c.log_every & c.seed & c.beta1 & c.beta2 & c.adam_eps;
}

template <class Archive>
void serialize(Archive& ar, symsweep::core::RunConfig& c, const unsigned int /*version*/) {
  ar & c.group & c.data_fraction & c.augment & c.train;
}

template <class Archive>
void serialize(Archive& ar, symsweep::core::Drift& d, const unsigned int /*version*/) {
  ar & d.q & d.s & d.c;
}

template <class Archive>
void serialize(Archive& ar, symsweep::core::IrrepValue& v, const unsigned int /*version*/) {
  ar & v.index & v.dim & v.indicator & v.rho & v.gap;
}

template <class Archive>
void serialize(Archive& ar, symsweep::core::StepMetrics& m, const unsigned int /*version*/) {
  ar & m.step & m.train_loss & m.train_acc & m.test_loss & m.test_acc & m.full_loss & m.rho_kkk &
      m.irreps & m.max_offtarget_mp & m.binary_gap & m.frequencies_per_neuron &
      m.off_target_energy & m.irrep_concentration & m.effective_dim & m.drift;
}

template <class Archive>
void serialize(Archive& ar, symsweep::core::RunResult& r, const unsigned int /*version*/) {
  ar & r.log & r.diverged & r.diverged_reason & r.interrupted & r.steps_done & r.wall_seconds &
      r.kappa;
}

template <class Archive>
void serialize(Archive& ar, symsweep::core::RunOutcome& o, const unsigned int /*version*/) {
  ar & o.status & o.error & o.result & o.group_order & o.abelian & o.augment_order &
      o.train_pairs & o.sampled_pairs;
}

}  // namespace boost::serialization
