#include "commands/sql_command.hpp"

#include <fmt/core.h>

#include "symsweep/core/error.hpp"
#include "commands/cli.hpp"
#include "commands/output.hpp"
#include "store/queries.hpp"
#include "store/sql_sandbox.hpp"

namespace symsweep::sweeps {

int run_sql(const SqlOptions& opts) {
  const OutputFormat format =
      parse_output_format("sql", "--format", opts.format,
                          {OutputFormat::kTable, OutputFormat::kCsv, OutputFormat::kJson});
  ResultsReader reader(opts.db, "sql", "--db");
  if (opts.query.find_first_not_of(" \t\r\n") == std::string::npos) {
    throw InputError("sql: QUERY is empty (expected one SELECT statement)");
  }
  UserQuery rows = reader.query(opts.query, fmt::format("sql: \"{}\"", sql_excerpt(opts.query)));
  write_rows(rows, *make_row_writer(format, stdout));
  return kExitOk;
}

}  // namespace symsweep::sweeps
