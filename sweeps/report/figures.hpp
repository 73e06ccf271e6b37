#pragma once

// The report's figures: accuracy against data fraction (accuracy_figure.cpp), the phase
// diagram (phase_figure.cpp), the N* figures (nstar_figures.cpp), a cell's potential across
// fractions (cell_figure.cpp) and a run's dynamics (run_figure.cpp), and what they share.

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

/// Final test accuracy against data fraction of a stratum: one panel per |H|, one line per
/// group (the median over seeds, a band from min to max), fit's f*(eps) of each cell marked
/// with its interval when stored (`fitted`: the sweep has critical fractions). False (nothing
/// written, `note` set) when the stratum has no finished run with a test set.
bool accuracy_figure(FigureContext& ctx, const std::string& base, const std::string& sweep,
                     const Stratum& st, double eps, bool fitted, std::string* note);

/// The index (k, or tau) that cell_figure draws: the largest mean final value over the cell's
/// runs (ties: the smaller index).
int chosen_index(const CellPotentials& cell);
/// The potential of one index (chosen_index) of a cell against step, one colour per data
/// fraction (the median over seeds); dashed below the cell's f* when `critical` has one.
void cell_figure(FigureContext& ctx, const std::string& base, const std::string& sweep,
                 const CellPotentials& cell, const Critical* critical);

/// N* against n (one series per |H|) and N* against |H| (one series per n) of a stratum at
/// one eps, with fit's laws. A figure that cannot be drawn leaves a note instead.
void nstar_figures(FigureContext& ctx, const std::string& base, const std::string& sweep,
                   const Stratum& st, double eps, std::string* note_n, std::string* note_h);

/// A run's dynamics (the grokking curve): train and test accuracy and loss, its potentials with
/// fit's Theorem 2 curves (when stored) and the binary gap, each on a linear and a log step
/// axis, with the steps of memorisation, of the potentials' rise and of generalisation (test
/// accuracy 1 - `eps`) marked; then the effective dimension and the conservation drift.
void run_figure(FigureContext& ctx, const RunData& run, double eps);

}  // namespace symsweep::sweeps::report
