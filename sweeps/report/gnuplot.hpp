#pragma once

// gnuplot for the report: finding and running it, the head and tail of every script, strings
// and ticks in gnuplot's syntax, and the report's colours.

#include <cstddef>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace symsweep::sweeps::report {

/// The font of every figure.
inline constexpr const char* kFont = "DejaVu Sans";
/// A perceptually uniform palette (viridis) for accuracies and frequency indices.
inline constexpr const char* kViridis =
    "set palette defined (0 '#440154', 0.125 '#472d7b', 0.25 '#3b528b', 0.375 '#2c728e', "
    "0.5 '#21918c', 0.625 '#28ae80', 0.75 '#5ec962', 0.875 '#addc30', 1 '#fde725')";
/// Series i of a figure: qualitative colours (ColorBrewer Dark2), repeating after eight.
std::string series_colour(std::size_t i);
/// The colour at `t` in [0, 1] of kViridis ("#rrggbb"), for discrete series of an ordered
/// variable (one key entry each instead of a colour box).
std::string viridis_colour(double t);
/// Colour i of `count` ordered series: the Dark2 colours up to eight, else viridis.
std::string discrete_colour(std::size_t i, std::size_t count);

/// The content of a gnuplot double-quoted string whose text is shown literally in enhanced mode.
std::string gp_escape(const std::string& s);
/// A gnuplot double-quoted string whose text is shown literally in enhanced mode.
std::string gp_text(const std::string& s);

/// Tics at the given values, each labelled with its value ("{:g}"): `("12" 12, "18" 18)`.
std::string listed_tics(const std::vector<double>& values);
/// Tics of a log axis at 1, 2, 5 x 10^k inside [lo, hi] (`dense`: 1, 1.5, 2, 3, 5, 7).
std::string log_tics(double lo, double hi, bool dense = false);
/// log_tics with at least four tics when the range allows: denser mantissas on a short range.
std::string enough_log_tics(double lo, double hi);

/// The x axis settings of a step axis over [lo, hi]: linear from 0, or (`log`) logarithmic
/// from the first positive logged step `lo` with tics at 1, 2, 5 x 10^k.
std::string step_axis(double lo, double hi, bool log);

/// `text` broken at the space nearest its middle when it is long (for a note inside a panel).
std::string two_lines(std::string text);

/// The items of a plot command: `plot A, \ B, \ C`.
class PlotList {
 public:
  PlotList& add(const std::string& item);
  bool empty() const { return items_.empty(); }
  /// "plot ...\n".
  std::string command() const;

 private:
  std::vector<std::string> items_;
};

/// A grid of panels laid out by gnuplot (`set multiplot layout`): the outer margins and the
/// gaps between panels in character units of the figure's font.
struct PanelGrid {
  int rows = 1, cols = 1;
  double left = 10, right = 3, bottom = 4, top = 6;  ///< outer margins
  double xgap = 10, ygap = 6;                        ///< between neighbouring panels
  /// The canvas for panels of about `panel_w` x `panel_h` pixels ({width, height}).
  std::pair<int, int> canvas(int panel_w, int panel_h) const;
  /// "set multiplot layout ... title TITLE" (`title`: a gnuplot string), then one panel per plot.
  std::string multiplot(const std::string& title) const;
};
/// Approximate pixels per character of the figures' 11 pt font, only to size canvases (gnuplot
/// places everything on them).
inline constexpr double kCharWidthPx = 9.0, kCharHeightPx = 17.0;

/// A vertical colour box just right of the current panel and as tall as it.
std::string colorbox_beside_panel();

/// A panel without data: `message` in its middle.
std::string empty_panel(const std::string& message);

/// The top of every script: draws the same body once per output format, so that the script is
/// run again unchanged after an edit (`gnuplot NAME.gp` in the report directory). The body
/// follows, then script_tail().
std::string script_head(const std::string& base, const std::string& what, int width, int height);
std::string script_tail();

/// The gnuplot program to run: `name` itself when it contains '/', else the first executable
/// `name` on PATH. Throws Error naming the program and the package when there is none.
std::string find_gnuplot(const std::string& name);

/// Runs `base`.gp with gnuplot in `dir` and checks that it wrote `base`.png and `base`.svg.
/// Warnings are passed on to stderr; a failure throws Error with gnuplot's message.
void run_gnuplot(const std::string& gnuplot, const std::filesystem::path& dir,
                 const std::string& base);

}  // namespace symsweep::sweeps::report
