#pragma once

// The settings of one training run (core/fields.hpp lists them for every representation).

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <type_traits>

namespace symsweep::core {

/// Which optimiser steps the weights (docs/model.md, "Optimisers"): gd is the Euler step of
/// the particle flow, sgd / adam / adamw are PyTorch's torch.optim.SGD / Adam / AdamW.
enum class Optimizer { kGd, kAdamW, kSgd, kAdam };
enum class Precision { kF32, kF64 };
/// Which monomial potentials a logged step measures (groups with characters):
///   kAuto: every rho_{k1 k2 k} while that costs at most kMaxMeasureSteps training steps
///          (estimated from the operation counts: potentials_cost_in_steps), else kDiagonal;
///   kFull: every rho_{k1 k2 k} (n^3 q products), whatever it costs;
///   kDiagonal: only rho_kkk (n q products): max_offtarget_mp and binary_gap are not measured.
enum class Potentials { kAuto, kFull, kDiagonal };
/// The multipliers of the network f = beta sum_j w_c (alpha (w_a[a1] + w_b[a2]))^2
/// (docs/model.md, "Parametrizations"): mean-field (1, 1/(2nq)), standard (1, 1),
/// gromov (1/sqrt(2n), 1/q), custom (input_multiplier, output_multiplier).
enum class Parametrization { kMeanField, kStandard, kGromov, kCustom };
/// The initial law: normal (N(0, s^2) per weight), uniform (U(-s, s)), torch-default
/// (PyTorch's nn.Linear: U(+-1/sqrt(fan_in)) per layer, fan_in n for the two separate input
/// layers and q for the output layer), torch-default-concat (the same with one input layer on
/// the concatenated one-hot [e_a; e_b]: fan_in 2n).
enum class Init { kNormal, kUniform, kTorchDefault, kTorchDefaultConcat };
/// The loss of one sample, averaged over the samples: centred-mse ||P(f - e_y)||^2,
/// mse (1/n) ||f - e_y||^2 (nn.MSELoss), cross-entropy -log softmax(f)_y.
enum class Loss { kCentredMse, kMse, kCrossEntropy };

/// The spelling of each enumerator of a setting, in the enum's order, and the setting's name
/// (for messages). Every setting enum has one: parse_setting and to_string use it.
template <typename E>
struct SettingNames;
template <>
struct SettingNames<Optimizer> {
  static constexpr const char* kWhat = "optimizer";
  static constexpr std::array<const char*, 4> kNames = {"gd", "adamw", "sgd", "adam"};
};
template <>
struct SettingNames<Precision> {
  static constexpr const char* kWhat = "precision";
  static constexpr std::array<const char*, 2> kNames = {"f32", "f64"};
};
template <>
struct SettingNames<Potentials> {
  static constexpr const char* kWhat = "potentials";
  static constexpr std::array<const char*, 3> kNames = {"auto", "full", "diagonal"};
};
template <>
struct SettingNames<Parametrization> {
  static constexpr const char* kWhat = "parametrization";
  static constexpr std::array<const char*, 4> kNames = {"mean-field", "standard", "gromov",
                                                        "custom"};
};
template <>
struct SettingNames<Init> {
  static constexpr const char* kWhat = "init";
  static constexpr std::array<const char*, 4> kNames = {"normal", "uniform", "torch-default",
                                                        "torch-default-concat"};
};
template <>
struct SettingNames<Loss> {
  static constexpr const char* kWhat = "loss";
  static constexpr std::array<const char*, 3> kNames = {"centred-mse", "mse", "cross-entropy"};
};

template <typename E>
concept SettingEnum = std::is_enum_v<E> && requires { SettingNames<E>::kNames; };

template <SettingEnum E>
const char* to_string(E e) {
  return SettingNames<E>::kNames[static_cast<std::size_t>(e)];
}
/// "expected a, b or c" for the names of E.
std::string expected_names(const char* const* names, std::size_t count);
/// InputError: `what "value": expected ...`.
[[noreturn]] void throw_bad_setting(const char* what, const std::string& value,
                                    const std::string& expected);
/// The enumerator spelled `s`, else InputError naming the setting, the value and the choices.
template <SettingEnum E>
E parse_setting(const std::string& s) {
  const auto& names = SettingNames<E>::kNames;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (s == names[i]) return static_cast<E>(i);
  }
  throw_bad_setting(SettingNames<E>::kWhat, s, expected_names(names.data(), names.size()));
}

inline Optimizer parse_optimizer(const std::string& s) { return parse_setting<Optimizer>(s); }
inline Precision parse_precision(const std::string& s) { return parse_setting<Precision>(s); }
inline Potentials parse_potentials(const std::string& s) { return parse_setting<Potentials>(s); }

/// The training settings of one run (docs/model.md). Data fraction and augmentation live in the
/// Split the run trains on.
struct TrainConfig {
  static constexpr std::int64_t kMaxWidth = std::int64_t{1} << 24;  ///< the largest q accepted

  std::int64_t width = 512;    ///< q, the number of particles
  Optimizer optimizer = Optimizer::kAdamW;
  double lr = 3e-3;            ///< eta: the Euler step of the flow (gd) or AdamW's lr
  double weight_decay = 0.1;   ///< lambda: adds lambda/2 ||z_j||^2 per particle
  double init_scale = 0.3;     ///< s: the input layers' N(0, s^2) or U(-s, s) (init)
  double init_scale_out = 0.0;  ///< the output layer's s; 0: init_scale
  Init init = Init::kNormal;
  Parametrization parametrization = Parametrization::kMeanField;
  double input_multiplier = 1.0, output_multiplier = 1.0;  ///< alpha, beta (custom only)
  Loss loss = Loss::kCentredMse;
  double momentum = 0.0;       ///< sgd's momentum (PyTorch's, dampening 0)
  std::int64_t steps = 2000;
  Precision precision = Precision::kF32;
  std::int64_t log_every = 100;  ///< 0: log only the first and last step
  std::uint64_t seed = 0;
  Potentials potentials = Potentials::kAuto;  ///< what a logged step measures
  double beta1 = 0.9, beta2 = 0.999, adam_eps = 1e-8;  ///< Adam(W) moments (PyTorch defaults)
  /// Empty: the whole task. Else the frequencies of a partial task (data.hpp,
  /// parse_frequency_list: "1-5", "1,3,6-8"): the targets are projected onto those characters
  /// and their negatives (frequency_targets); mse losses only.
  std::string target_frequencies;
  /// > 0: the logged steps at multiples of it (and the last) also measure both ends of the loss
  /// Hessian's spectrum, spectrum_k eigenvalues each (hessian.hpp); 0: never.
  std::int64_t spectrum_every = 0;
  std::int64_t spectrum_k = 8;

  /// The resolved multipliers of the network on a group of order n (see Parametrization).
  double alpha(int n) const;
  double beta(int n) const;
  /// gamma = beta alpha^2: f = gamma sum_j w_c (w_a[a1] + w_b[a2])^2 (the only way the
  /// multipliers enter the model); 0 for mean-field, whose 1/(2nq) the kernels form as before.
  double output_gain(int n) const;
  /// The initial scales (half-widths for the uniform laws) of w_a, w_b and of w_c.
  double input_init_scale(int n) const;
  double output_init_scale() const;
  bool uniform_init() const { return init != Init::kNormal; }

  /// Throws InputError naming the field and the expected range.
  void validate() const;
  // Every setting travels through core/fields.hpp's visit_train_settings: a new one goes there.
  bool operator==(const TrainConfig&) const = default;
};

}  // namespace symsweep::core
