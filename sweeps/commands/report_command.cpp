#include "commands/report_command.hpp"

#include <fmt/core.h>

#include "symsweep/core/error.hpp"

namespace symsweep::sweeps {

int run_report(const ReportOptions& o) {
  if (o.db.empty()) throw InputError("report: --db FILE is required (the results database)");
  if (o.out.empty()) throw InputError("report: --out DIR is required (the output directory)");
  if (o.run < 0) throw InputError(fmt::format("report: --run {}: expected a run id >= 1", o.run));
  if (o.eps != 0.0 && !(o.eps > 0.0 && o.eps < 1.0)) {
    throw InputError(fmt::format("report: --eps {}: expected a value in (0, 1)", o.eps));
  }
  const report::ReportWritten written = report::write_report(o);
  fmt::print("report: {} figures in {}; open {}\n", written.figures, o.out, written.index);
  return 0;
}

}  // namespace symsweep::sweeps
