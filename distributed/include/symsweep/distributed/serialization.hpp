#pragma once

// Boost.Serialization for the control messages between master and teams (run configs and
// their outcomes). Per-step sums never go through here: they use raw in-place allreduce.

#include <boost/serialization/complex.hpp>
#include <boost/serialization/string.hpp>
#include <boost/serialization/vector.hpp>
#include <optional>

#include "symsweep/core/fields.hpp"
#include "symsweep/core/run.hpp"

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
  symsweep::core::visit_train_settings([&](const char*, bool, auto& field) { ar & field; }, c);
}

template <class Archive>
void serialize(Archive& ar, symsweep::core::RunConfig& c, const unsigned int /*version*/) {
  ar & c.group & c.data_fraction & c.augment & c.train;
}

template <class Archive>
void serialize(Archive& ar, symsweep::core::IrrepValue& v, const unsigned int /*version*/) {
  symsweep::core::visit_irrep_fields(v, [&](const char*, auto& field) { ar & field; });
}

template <class Archive>
void serialize(Archive& ar, symsweep::core::StepMetrics& m, const unsigned int /*version*/) {
  symsweep::core::visit_step_scalars(m, [&](symsweep::core::FieldName, auto& f) { ar & f; });
  symsweep::core::visit_step_vectors(m, [&](const char*, auto& values) { ar & values; });
}

template <class Archive>
void serialize(Archive& ar, symsweep::core::TrainResult& r, const unsigned int /*version*/) {
  ar & r.log & r.diverged & r.diverged_reason & r.interrupted & r.steps_done & r.wall_seconds &
      r.kappa;
}

template <class Archive>
void serialize(Archive& ar, symsweep::core::RunOutcome& o, const unsigned int /*version*/) {
  ar & o.status & o.error & o.result & o.group_order & o.abelian & o.augment_order &
      o.train_pairs & o.sampled_pairs & o.potentials_note & o.kernels;
}

}  // namespace boost::serialization
