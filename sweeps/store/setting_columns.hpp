#pragma once

// The training settings (core::visit_train_settings) as columns of `runs`: their names for a
// SELECT or INSERT list, each value bound as an SQL parameter and read back from a column.

#include <cstdint>
#include <string>

#include "symsweep/core/fields.hpp"
#include "symsweep/core/train_config.hpp"
#include "store/sqlite.hpp"

namespace symsweep::sweeps {

inline void bind_setting(Statement& s, int i, std::int64_t v) { s.bind(i, v); }
inline void bind_setting(Statement& s, int i, std::uint64_t v) {
  s.bind(i, static_cast<std::int64_t>(v));
}
inline void bind_setting(Statement& s, int i, double v) { s.bind(i, v); }
inline void bind_setting(Statement& s, int i, const std::string& v) { s.bind(i, v); }
template <core::SettingEnum E>
void bind_setting(Statement& s, int i, E v) {
  s.bind(i, core::to_string(v));
}

inline void read_setting(const Statement& s, int i, std::int64_t& v) { v = s.integer(i); }
inline void read_setting(const Statement& s, int i, std::uint64_t& v) {
  v = static_cast<std::uint64_t>(s.integer(i));
}
inline void read_setting(const Statement& s, int i, double& v) { v = s.real(i); }
inline void read_setting(const Statement& s, int i, std::string& v) { v = s.text(i); }
template <core::SettingEnum E>
void read_setting(const Statement& s, int i, E& v) {
  v = core::parse_setting<E>(s.text(i));
}

/// The `runs` columns of the training settings, comma-separated, each with `prefix`.
inline std::string setting_columns(const std::string& prefix = "") {
  std::string out;
  const core::TrainConfig any;
  core::visit_train_settings(
      [&](const char* name, bool, const auto&) {
        out += (out.empty() ? "" : ", ") + prefix + name;
      },
      any);
  return out;
}

}  // namespace symsweep::sweeps
