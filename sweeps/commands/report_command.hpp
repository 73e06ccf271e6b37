#pragma once

#include "report/report.hpp"

namespace symsweep::sweeps {

/// `symsweep report` (ReportOptions in report/report.hpp). Writes the figures of a results
/// database into `opts.out`: per figure its data files, the gnuplot script (kept, so it can be
/// edited and run again from that directory), SVG and PNG, and an index.html that shows every
/// figure with its caption and the fit tables (relative links only). Figures, per sweep and
/// stratum (cells sharing every setting but the group, augmentation and fraction): the phase
/// diagram of the median test accuracy over data fraction x group order, one panel per |H|;
/// N* against n and N* against |H| at one eps, with the fitted laws of `symsweep fit`; and per
/// chosen run, Re rho_kkk with the Theorem 2 curves 1 - exp(-C_k t) that `symsweep fit` stored
/// (none before a fit: the caption says so), the binary gap, the effective dimension and the
/// conservation drift. Fits nothing itself. Opens the database read-only. Throws InputError
/// (exit 2) for bad options, a missing or empty database, an unknown sweep or run, and Error
/// (exit 1) when gnuplot is missing or fails, or a file cannot be written. Returns the exit
/// code (0).
int run_report(const ReportOptions& opts);

}  // namespace symsweep::sweeps
