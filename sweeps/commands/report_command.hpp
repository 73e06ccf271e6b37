#pragma once

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

/// Writes the figures of a results database into `opts.out`: per figure its data files, the
/// gnuplot script (kept, so it can be edited and run again from that directory), SVG and PNG,
/// and an index.html that shows every figure with its caption and the fit tables (relative
/// links only). Figures, per sweep and stratum (cells sharing every setting but the group,
/// augmentation and fraction): the phase diagram of the median test accuracy over data
/// fraction x group order, one panel per |H|; N* against n and N* against |H| at one eps, with
/// the fitted laws of `symsweep fit`; and per chosen run, Re rho_kkk with the fitted
/// Theorem 2 curves 1 - exp(-C_k t), the binary gap, the effective dimension and the
/// conservation drift. Opens the database read-only. Throws InputError (exit 2) for a missing
/// or empty database, an unknown sweep or run, and Error (exit 1) when gnuplot is missing or
/// fails, or a file cannot be written. Returns the exit code (0).
int run_report(const ReportOptions& opts);

}  // namespace symsweep::sweeps
