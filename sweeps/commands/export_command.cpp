#include "commands/export_command.hpp"

#include <fmt/core.h>
#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <vector>

#include "symsweep/core/error.hpp"
#include "commands/cli.hpp"
#include "commands/output.hpp"
#include "store/queries.hpp"

namespace symsweep::sweeps {

int export_table(const ExportOptions& opts) {
  const std::vector<std::string>& tables = exportable_tables();
  if (std::find(tables.begin(), tables.end(), opts.table) == tables.end()) {
    const std::vector<std::string> all_but_last(tables.begin(), tables.end() - 1);
    throw InputError(fmt::format("export: --table \"{}\": expected {} or {}", opts.table,
                                 fmt::join(all_but_last, ", "), tables.back()));
  }
  const OutputFormat format = parse_output_format("export", "--format", opts.format,
                                                  {OutputFormat::kCsv, OutputFormat::kJson});
  ResultsReader reader(opts.db, "export", "--db");
  std::optional<std::int64_t> sweep_id;
  if (!opts.sweep.empty()) {
    sweep_id = reader.sweep_id(opts.sweep);
    if (!sweep_id) {
      const std::vector<std::string> names = reader.sweep_names();
      throw InputError(
          fmt::format("export: --sweep \"{}\": no such sweep (sweeps: {})", opts.sweep,
                      names.empty() ? "none" : fmt::format("{}", fmt::join(names, ", "))));
    }
  }
  const auto rows = reader.table_rows(opts.table, sweep_id);
  write_rows(*rows, *make_row_writer(format, stdout));
  return kExitOk;
}

}  // namespace symsweep::sweeps
