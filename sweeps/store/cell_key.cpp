#include "store/cell_key.hpp"

#include <fmt/core.h>

#include <cstring>
#include <utility>

#include "store/setting_columns.hpp"

namespace symsweep::sweeps {

namespace {

/// The columns every cell key names, in read_cell_settings()'s order.
constexpr const char* kNamedColumns[] = {"group_spec", "augment",      "width",
                                         "optimizer",  "lr",           "weight_decay",
                                         "init_scale", "steps",        "precision"};
constexpr int kNamed = static_cast<int>(sizeof kNamedColumns / sizeof kNamedColumns[0]);

/// Settings that change what is measured, not what is trained (and the run's own identity).
bool outside_cells(const char* name) {
  for (const char* n : {"seed", "log_every", "potentials", "spectrum_every", "spectrum_k"}) {
    if (std::strcmp(n, name) == 0) return true;
  }
  for (const char* n : kNamedColumns) {
    if (std::strcmp(n, name) == 0) return true;
  }
  return false;
}

/// The other result-changing settings of one or more TrainConfigs in step:
/// `visit(name, field...)`.
template <typename V, typename... C>
void visit_other_settings(V&& visit, C&... c) {
  core::visit_train_settings(
      [&](const char* name, bool, auto&... field) {
        if (!outside_cells(name)) visit(name, field...);
      },
      c...);
}

std::string text(double v) { return fmt::format("{}", v); }
std::string text(std::int64_t v) { return fmt::format("{}", v); }
std::string text(std::uint64_t v) { return fmt::format("{}", v); }
std::string text(const std::string& v) { return v; }
template <core::SettingEnum E>
std::string text(E v) {
  return std::string(core::to_string(v));
}

}  // namespace

const std::string& cell_settings_columns() {
  static const std::string columns = [] {
    std::string out;
    for (const char* n : kNamedColumns) out += (out.empty() ? "runs." : ", runs.") + std::string(n);
    core::TrainConfig any;
    visit_other_settings([&](const char* name, const auto&) { out += ", runs." + std::string(name); },
                         any);
    return out;
  }();
  return columns;
}

int cell_settings_column_count() {
  static const int count = [] {
    int n = kNamed;
    core::TrainConfig any;
    visit_other_settings([&](const char*, const auto&) { ++n; }, any);
    return n;
  }();
  return count;
}

CellKey cell_key(CellSettings settings) {
  CellKey key;
  key.settings = std::move(settings);
  const CellSettings& s = key.settings;
  key.family = s.group_spec.substr(0, s.group_spec.find(':'));
  // These texts are stored (critical_fractions.cell, fits.stratum) and matched by later
  // reports: changing their form orphans the fits of existing databases. New settings enter
  // through `others`, empty at their defaults.
  key.stratum = fmt::format("{} width={} {} lr={} wd={} s={} steps={} {}{}", key.family, s.width,
                            s.optimizer, s.lr, s.weight_decay, s.init_scale, s.steps, s.precision,
                            s.others);
  key.cell = fmt::format("{} {} | {}", s.group_spec, s.augment, key.stratum);
  return key;
}

CellSettings read_cell_settings(const Statement& row, int first) {
  CellSettings s;
  s.group_spec = row.text(first);
  s.augment = row.text(first + 1);
  s.width = row.integer(first + 2);
  s.optimizer = row.text(first + 3);
  s.lr = row.real(first + 4);
  s.weight_decay = row.real(first + 5);
  s.init_scale = row.real(first + 6);
  s.steps = row.integer(first + 7);
  s.precision = row.text(first + 8);
  core::TrainConfig read;
  const core::TrainConfig defaults;
  int col = first + kNamed;
  visit_other_settings(
      [&](const char* name, auto& value, const auto& fallback) {
        read_setting(row, col++, value);
        if (value != fallback) s.others += fmt::format(" {}={}", name, text(value));
      },
      read, defaults);
  return s;
}

}  // namespace symsweep::sweeps
