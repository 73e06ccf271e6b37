#include "store/cell_key.hpp"

#include <fmt/core.h>

#include <utility>

namespace symsweep::sweeps {

const char* const kCellSettingsColumns =
    "runs.group_spec, runs.augment, runs.width, runs.optimizer, runs.lr, runs.weight_decay, "
    "runs.init_scale, runs.steps, runs.precision";

CellKey cell_key(CellSettings settings) {
  CellKey key;
  key.settings = std::move(settings);
  const CellSettings& s = key.settings;
  key.family = s.group_spec.substr(0, s.group_spec.find(':'));
  // These texts are stored (critical_fractions.cell, fits.stratum) and matched by later
  // reports: changing their form orphans the fits of existing databases.
  key.stratum = fmt::format("{} width={} {} lr={} wd={} s={} steps={} {}", key.family, s.width,
                            s.optimizer, s.lr, s.weight_decay, s.init_scale, s.steps, s.precision);
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
  return s;
}

}  // namespace symsweep::sweeps
