#pragma once

// The report's figures: the phase diagram (phase_figure.cpp), the N* figures
// (nstar_figures.cpp) and a run's dynamics (run_figure.cpp), and what they share.

#include <filesystem>
#include <string>
#include <vector>

#include "report/data.hpp"

namespace symsweep::sweeps::report {

/// One figure of the report: files `base`.{png,svg,gp} plus its data files, and its caption.
struct Figure {
  std::string base;
  std::string title;
  std::string caption_html;
  std::vector<std::string> data_files;
};

/// Where figures go, and every figure drawn so far (all of them end up in index.html).
struct FigureContext {
  std::filesystem::path dir;
  std::string gnuplot;
  std::string db_path;
  std::vector<Figure> figures;
};

/// Writes `base`.gp (`script`) into the report directory and draws it.
void draw(FigureContext& ctx, const std::string& base, const std::string& script);

/// The label of an augmentation order's series or panel.
std::string h_label(int h, const std::string& augment);

/// Phase diagram of a stratum: median test accuracy over (data fraction, group), one panel per
/// |H|, with fit's f*(eps) on top when stored. False (nothing written, `note` set) when the
/// stratum has no finished run with a test set.
bool phase_figure(FigureContext& ctx, const std::string& base, const std::string& sweep,
                  const Stratum& st, double eps, std::string* note);

/// N* against n (one series per |H|) and N* against |H| (one series per n) of a stratum at
/// one eps, with fit's laws. A figure that cannot be drawn leaves a note instead.
void nstar_figures(FigureContext& ctx, const std::string& base, const std::string& sweep,
                   const Stratum& st, double eps, std::string* note_n, std::string* note_h);

/// A run's dynamics: its potentials with fit's Theorem 2 curves (when stored), the binary gap,
/// the effective dimension and the conservation drift.
void run_figure(FigureContext& ctx, const RunData& run);

}  // namespace symsweep::sweeps::report
