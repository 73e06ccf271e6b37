#pragma once

#include <cstdint>
#include <string>

#include "store/sqlite.hpp"

namespace symsweep::sweeps {

/// The settings of a run that place it in a cell: every setting in `runs` but the data fraction
/// and the seed.
struct CellSettings {
  std::string group_spec, augment;
  std::int64_t width = 0;
  std::string optimizer;
  double lr = 0.0, weight_decay = 0.0, init_scale = 0.0;
  std::int64_t steps = 0;
  std::string precision;
  /// " name=value" for each other setting that changes a run's result (beta1, beta2, adam_eps,
  /// parametrization, multipliers, init, init_scale_out, loss, momentum: every setting of
  /// core::visit_train_settings outside the columns above that is not measurement-only) where it
  /// differs from its default, in that order; empty at the defaults, so the keys of runs with
  /// today's defaults are those of older databases.
  std::string others;
};

/// Where a run belongs for `symsweep fit` and `symsweep report`: its cell (the runs that differ
/// only in the data fraction and the seed: one f*(eps) each, `critical_fractions.cell`) and its
/// stratum (the cells that share every setting but the group and the augmentation: one law fit,
/// `fits.stratum`). Both texts are keys, formed only by cell_key() and never parsed back.
struct CellKey {
  CellSettings settings;
  std::string family;   ///< the group family, "cyclic" of "cyclic:30"
  std::string stratum;  ///< "cyclic width=512 adamw lr=0.003 wd=0.1 s=0.3 steps=3000 f32"
  std::string cell;     ///< "cyclic:30 order:2 | " followed by the stratum
};

/// The key of a run with these settings.
CellKey cell_key(CellSettings settings);

/// The columns of `runs` that read_cell_settings() reads, in its order, for a SELECT list, and
/// how many they are (the SELECT's next column).
const std::string& cell_settings_columns();
int cell_settings_column_count();
/// The settings in columns first, first + 1, ... of a row selected with cell_settings_columns().
CellSettings read_cell_settings(const Statement& row, int first);

}  // namespace symsweep::sweeps
