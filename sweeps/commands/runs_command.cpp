#include "commands/runs_command.hpp"

#include <fmt/core.h>
#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "symsweep/core/error.hpp"
#include "commands/cli.hpp"
#include "commands/output.hpp"
#include "store/queries.hpp"
#include "store/sql_sandbox.hpp"

namespace symsweep::sweeps {

namespace {

const std::vector<std::string> kDefaultRunColumns = {
    "id",      "status", "group_spec", "width",      "data_fraction",
    "augment", "seed",   "test_acc",   "binary_gap", "wall_seconds"};

/// The columns named by --columns (a comma-separated list, or "*" for all of `available`).
std::vector<std::string> parse_columns(const std::string& list,
                                       const std::vector<std::string>& available) {
  if (list == "*") return available;
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= list.size()) {
    std::size_t end = list.find(',', start);
    if (end == std::string::npos) end = list.size();
    std::string name = list.substr(start, end - start);
    name.erase(0, name.find_first_not_of(" \t"));
    name.erase(name.find_last_not_of(" \t") + 1);
    if (name.empty()) {
      throw InputError(fmt::format("runs: --columns \"{}\": empty column name", list));
    }
    if (std::ranges::find(available, name) == available.end()) {
      throw InputError(fmt::format("runs: --columns: no column \"{}\" in table runs (columns: {})",
                                   name, fmt::join(available, ", ")));
    }
    out.push_back(std::move(name));
    start = end + 1;
  }
  return out;
}

}  // namespace

int list_runs(const RunsOptions& opts) {
  const OutputFormat format =
      parse_output_format("runs", "--format", opts.format,
                          {OutputFormat::kTable, OutputFormat::kCsv, OutputFormat::kJson});
  ResultsReader reader(opts.db, "runs", "--db");
  const std::vector<std::string> available = reader.columns("runs");
  std::vector<std::string> cols;
  if (opts.columns.empty()) {
    for (const auto& c : kDefaultRunColumns) {
      if (std::ranges::find(available, c) != available.end()) cols.push_back(c);
    }
  } else {
    cols = parse_columns(opts.columns, available);
  }
  if (opts.where.find(';') != std::string::npos) {
    throw InputError(fmt::format(
        "runs: --where \"{}\": expected one SQL expression on the runs columns; ';' is not allowed",
        sql_excerpt(opts.where)));
  }
  UserQuery rows =
      reader.runs(cols, opts.where, fmt::format("runs: --where \"{}\"", sql_excerpt(opts.where)));
  write_rows(rows, *make_row_writer(format, stdout));
  return kExitOk;
}

}  // namespace symsweep::sweeps
