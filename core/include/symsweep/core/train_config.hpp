#pragma once

// The settings of one training run (core/fields.hpp lists them for every representation).

#include <cstdint>
#include <string>

namespace symsweep::core {

/// Which optimiser steps the flow and in which floating-point type.
enum class Optimizer { kGd, kAdamW };
enum class Precision { kF32, kF64 };
/// Which monomial potentials a logged step measures (groups with characters):
///   kAuto: every rho_{k1 k2 k} while that costs at most kMaxMeasureSteps training steps
///          (estimated from the operation counts: potentials_cost_in_steps), else kDiagonal;
///   kFull: every rho_{k1 k2 k} (n^3 q products), whatever it costs;
///   kDiagonal: only rho_kkk (n q products): max_offtarget_mp and binary_gap are not measured.
enum class Potentials { kAuto, kFull, kDiagonal };

Optimizer parse_optimizer(const std::string& s);  ///< "gd" | "adamw", else InputError
Precision parse_precision(const std::string& s);  ///< "f32" | "f64", else InputError
Potentials parse_potentials(const std::string& s);  ///< "auto" | "full" | "diagonal"
const char* to_string(Optimizer o);
const char* to_string(Precision p);
const char* to_string(Potentials p);

/// The training settings of one run (docs/model.md). Data fraction and augmentation live in the
/// Split the run trains on.
struct TrainConfig {
  static constexpr std::int64_t kMaxWidth = std::int64_t{1} << 24;  ///< the largest q accepted

  std::int64_t width = 512;    ///< q, the number of particles
  Optimizer optimizer = Optimizer::kAdamW;
  double lr = 3e-3;            ///< eta: the Euler step of the flow (gd) or AdamW's lr
  double weight_decay = 0.1;   ///< lambda: adds lambda/2 ||z_j||^2 per particle
  double init_scale = 0.3;     ///< s: z ~ N(0, s^2 I)
  std::int64_t steps = 2000;
  Precision precision = Precision::kF32;
  std::int64_t log_every = 100;  ///< 0: log only the first and last step
  std::uint64_t seed = 0;
  Potentials potentials = Potentials::kAuto;  ///< what a logged step measures
  double beta1 = 0.9, beta2 = 0.999, adam_eps = 1e-8;  ///< AdamW moments (PyTorch defaults)

  /// Throws InputError naming the field and the expected range.
  void validate() const;
  // Every setting travels through core/fields.hpp's visit_train_settings: a new one goes there.
  bool operator==(const TrainConfig&) const = default;
};

}  // namespace symsweep::core
