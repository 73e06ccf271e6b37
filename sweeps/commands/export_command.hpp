#pragma once

#include <string>

namespace symsweep::sweeps {

/// `symsweep export --db FILE --table T --format csv|json [--sweep NAME]`.
struct ExportOptions {
  std::string db;
  std::string table;  ///< runs | metrics | potentials | fits | sweeps | attempts
  std::string format = "csv";
  std::string sweep;  ///< empty: every sweep
};

/// A whole table (optionally one sweep's part of it) as CSV or JSON.
int export_table(const ExportOptions& opts);

}  // namespace symsweep::sweeps
