#pragma once

// `symsweep report`: the figures and the page of a results database.

#include <cstdint>
#include <string>

namespace symsweep::sweeps {

/// `symsweep report --db FILE --out DIR [--sweep NAME] [--run ID] [--eps E]`.
struct ReportOptions {
  std::string db;
  std::string out;       ///< output directory, created when missing
  std::string sweep;     ///< empty: every sweep that has runs
  std::int64_t run = 0;  ///< run of the Theorem 2 / diagnostics figure; 0: one per sweep
                         ///< (the median-accuracy run of the cell with the most runs)
  double eps = 0.0;      ///< eps of the N* figures; 0: 0.1 when fitted, else the first fitted
  std::string gnuplot = "gnuplot";  ///< the program; a name without '/' is looked up on PATH
};

namespace report {

/// What write_report wrote.
struct ReportWritten {
  int figures = 0;
  std::string index;  ///< the path of index.html
};

/// Writes the report of `opts.db` into `opts.out` (see run_report in commands/report_command.hpp
/// for what it holds). Throws InputError for a database without runs or finished runs, an
/// unknown sweep or run and an --out that is not a directory; Error when gnuplot is missing or
/// fails or a file cannot be written; DatabaseError for a file that is not a results database.
/// Nothing is written before gnuplot is found.
ReportWritten write_report(const ReportOptions& opts);

}  // namespace report

}  // namespace symsweep::sweeps
