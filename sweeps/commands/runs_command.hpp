#pragma once

#include <string>

namespace symsweep::sweeps {

/// `symsweep runs --db FILE [--where EXPR] [--format table|csv|json] [--columns a,b,c]`.
struct RunsOptions {
  std::string db;
  std::string where;  ///< one SQL expression on the runs columns; empty: every run
  std::string format = "table";
  std::string columns;  ///< comma-separated runs columns ("*": all); empty: the default set
};

/// Rows of the runs table, optionally filtered by one read-only SQL expression.
int list_runs(const RunsOptions& opts);

}  // namespace symsweep::sweeps
