#pragma once

#include <string>

namespace symsweep::sweeps {

/// `symsweep sql --db FILE QUERY [--format table|csv|json]`.
struct SqlOptions {
  std::string db;
  std::string query;  ///< exactly one reading statement
  std::string format = "table";
};

/// One read-only SQL statement; anything that writes, attaches or is a second statement fails
/// (store/sql_sandbox.hpp).
int run_sql(const SqlOptions& opts);

}  // namespace symsweep::sweeps
