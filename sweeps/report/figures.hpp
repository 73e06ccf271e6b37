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

/// Screen-fraction margins of the panels of a figure: a grid of `cols` columns, panel i at row
/// i / cols. Sizes in pixels.
struct PanelGrid {
  int cols = 1, rows = 1;
  int panel_w = 400, panel_h = 330;
  int left = 90, right = 40, top = 80, bottom = 70, hgap = 90, vgap = 90;

  int width() const { return left + cols * panel_w + (cols - 1) * hgap + right; }
  int height() const { return top + rows * panel_h + (rows - 1) * vgap + bottom; }
  /// "set lmargin ...; set rmargin ...; ..." for panel i.
  std::string margins(int i) const;
  /// A colour box to the right of panel i, as tall as the panel.
  std::string colorbox_right_of(int i, int offset = 18) const;
};

/// One panel with its legend below the x label, in one column of `key_rows` entries.
PanelGrid key_below_layout(int key_rows);
/// The legend of key_below_layout: left-aligned with the plot, under the x label.
std::string key_below(const PanelGrid& g);

}  // namespace symsweep::sweeps::report
