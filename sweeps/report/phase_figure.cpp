#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>
#include <map>
#include <set>
#include <utility>
#include <vector>

#include "symsweep/core/statistics.hpp"
#include "report/figures.hpp"
#include "report/gnuplot.hpp"
#include "report/text.hpp"

namespace symsweep::sweeps::report {

bool phase_figure(FigureContext& ctx, const std::string& base, const std::string& sweep,
                  const Stratum& st, double eps, std::string* note) {
  if (st.runs.empty()) {
    *note = "No finished run with a test set yet: the phase diagram is empty.";
    return false;
  }
  // Rows: groups, by order then spec; the label is the order, with the spec when two groups of
  // the stratum share an order.
  std::set<std::pair<int, std::string>> groups;
  std::map<int, std::string> augment_of;  // |H| -> an augment spec of that order
  for (const SweepRun& r : st.runs) {
    groups.emplace(r.group_order, r.key.settings.group_spec);
    augment_of.emplace(r.augment_order, r.key.settings.augment);
  }
  std::map<std::string, int> row_of;
  std::map<int, int> per_order;
  for (const auto& [n, spec] : groups) ++per_order[n];
  std::string ytics;
  for (const auto& [n, spec] : groups) {
    const int row = static_cast<int>(row_of.size());
    row_of[spec] = row;
    const std::string label =
        per_order[n] > 1 ? fmt::format("{} ({})", n, spec) : std::to_string(n);
    ytics += fmt::format("{}{} {}", ytics.empty() ? "" : ", ", gp_text(label), row);
  }
  // (|H|, row) -> fraction -> accuracies over seeds.
  std::map<int, std::map<int, std::map<double, std::vector<double>>>> acc;
  for (const SweepRun& r : st.runs) {
    acc[r.augment_order][row_of.at(r.key.settings.group_spec)][r.fraction].push_back(*r.test_acc);
  }
  double x_lo = std::numeric_limits<double>::infinity(), x_hi = 0.0;
  std::string data =
      "# symsweep report: phase diagram, median test accuracy over seeds\n"
      "# one block (gnuplot index) per |H|; columns: fraction row fraction_low fraction_high "
      "row_low row_high median_test_acc group_order runs\n";
  std::vector<int> hs;
  for (const auto& [h, rows] : acc) {
    hs.push_back(h);
    data += fmt::format("# |H| = {}\n", h);
    for (const auto& [row, by_f] : rows) {
      std::vector<double> fr;
      for (const auto& [f, v] : by_f) fr.push_back(f);
      const int n = std::next(groups.begin(), row)->first;
      for (std::size_t i = 0; i < fr.size(); ++i) {
        // Cell edges halfway between neighbours in log f; the ends mirror the nearest gap.
        const double gap_lo = i > 0 ? fr[i] / fr[i - 1] : (fr.size() > 1 ? fr[1] / fr[0] : 1.5);
        const double gap_hi =
            i + 1 < fr.size() ? fr[i + 1] / fr[i] : (fr.size() > 1 ? fr[i] / fr[i - 1] : 1.5);
        const double lo = fr[i] / std::sqrt(gap_lo), hi = fr[i] * std::sqrt(gap_hi);
        x_lo = std::min(x_lo, lo);
        x_hi = std::max(x_hi, hi);
        const std::vector<double>& v = by_f.at(fr[i]);
        data += fmt::format("{} {} {} {} {} {} {} {} {}\n", num(fr[i]), row, num(lo), num(hi),
                            row - 0.5, row + 0.5, num(core::median(v)), n, v.size());
      }
    }
    data += "\n\n";
  }
  write_file(ctx.dir / (base + ".dat"), data);

  // The critical fractions at eps on top, with their bootstrap intervals.
  std::string fstar =
      "# f*(eps) per cell with its 95 % bootstrap interval; one block per |H| (as " + base +
      ".dat)\n# columns: f_star row low high\n";
  int fstar_points = 0;
  for (int h : hs) {
    fstar += fmt::format("# |H| = {}\n", h);
    for (const Critical& crit : st.critical) {
      const CriticalFractionRow& c = crit.stored;
      if (c.augment_order != h || std::abs(c.eps - eps) > 1e-12 || !c.estimate ||
          row_of.count(c.group_spec) == 0) {
        continue;
      }
      const double lo = c.low && *c.low > 0 ? std::max(*c.low, x_lo) : (c.low ? x_lo : *c.estimate);
      const double hi = c.high ? std::min(*c.high, x_hi) : (c.low ? x_hi : *c.estimate);
      fstar +=
          fmt::format("{} {} {} {}\n", num(*c.estimate), row_of.at(c.group_spec), num(lo), num(hi));
      ++fstar_points;
    }
    fstar += "\n\n";
  }
  const bool with_fstar = fstar_points > 0;
  if (with_fstar) write_file(ctx.dir / (base + "-fstar.dat"), fstar);

  // Ticks at 1, 2, 5 x 10^k (denser on a short range); at the grid's fractions when it has few.
  std::string xtics = enough_log_tics(x_lo, x_hi);
  std::set<double> grid;
  for (const SweepRun& r : st.runs) grid.insert(r.fraction);
  if (grid.size() <= 5) xtics = listed_tics({grid.begin(), grid.end()});
  // gnuplot lays the panels out; the margins leave room for the tic labels (with the group's
  // spec when two groups share an order), the axis labels and the colour box.
  PanelGrid g;
  g.cols = hs.size() == 4 ? 2 : std::min<int>(static_cast<int>(hs.size()), 3);
  g.rows = (static_cast<int>(hs.size()) + g.cols - 1) / g.cols;
  g.left = per_order.size() < groups.size() ? 22 : 11;
  g.right = 14;
  g.xgap = std::max(g.left, 12.0);
  g.top = 5.6;
  g.bottom = 4;
  g.ygap = 7;
  const int panel_h = std::max(240, std::min(420, 60 + 34 * static_cast<int>(groups.size())));
  auto [width, height] = g.canvas(380, panel_h);
  // Wide enough for the two title lines (about 10 px per byte of UTF-8 at 13 pt, generously).
  const std::string title_top = fmt::format(
      "Sweep \"{}\": median test accuracy{}", sweep,
      with_fstar ? fmt::format(" (circles: f*(ε = {:g}), bars: 95 % interval)", eps) : "");
  const int title_px = 10 * static_cast<int>(std::max(title_top.size(), st.key.size())) + 40;
  const int extra = std::max(0, title_px - width);
  g.left += extra / (2 * kCharWidthPx);
  g.right += extra / (2 * kCharWidthPx);
  width += extra;
  std::string s = script_head(base, "phase diagram of sweep \"" + sweep + "\"", width, height);
  s += fmt::format("{}\nset cbrange [0:1]\nset cblabel \"test accuracy (median over seeds)\"\n",
                   kViridis);
  s += "# Each box overlaps its right and upper neighbour by about a pixel (the using spec), so\n"
       "# that anti-aliasing leaves no seams between the cells.\n";
  s += g.multiplot(gp_text(title_top + "\n" + st.key));
  for (std::size_t i = 0; i < hs.size(); ++i) {
    const int h = hs[i];
    s += "unset grid\nset logscale x\n";
    s += fmt::format("set xrange [{}:{}]\nset xtics {}\nset mxtics default\n", num(x_lo), num(x_hi),
                     xtics);
    s += fmt::format("set yrange [-0.5:{}]\nset ytics ({})\nunset mytics\n",
                     static_cast<double>(groups.size()) - 0.5, ytics);
    s += "set tics out nomirror\nset xtics nomirror\n";
    s += "set xlabel \"data fraction f (sampled pairs / n^2)\"\n";
    s += i % static_cast<std::size_t>(g.cols) == 0 ? "set ylabel \"group order n\"\n"
                                                   : "unset ylabel\n";
    s += fmt::format("set title {}\n", gp_text(h_label(h, augment_of[h])));
    s += i + 1 == hs.size() ? colorbox_beside_panel() : "unset colorbox\n";
    PlotList plot;
    plot.add(fmt::format(
        "\"{base}.dat\" index {i} using 1:2:3:($4 * 1.012):5:($6 + 0.02):7 with boxxyerror "
        "fs solid 1.0 noborder fc palette notitle",
        fmt::arg("base", base), fmt::arg("i", i)));
    if (with_fstar) {
      plot.add(fmt::format(
          "\"{base}-fstar.dat\" index {i} using 1:2:3:4 with xerrorbars pt 7 ps 1.1 lw 1.5 lc "
          "rgb \"black\" notitle",
          fmt::arg("base", base), fmt::arg("i", i)));
      plot.add(fmt::format(
          "\"{base}-fstar.dat\" index {i} using 1:2 with points pt 7 ps 0.6 lc rgb \"white\" "
          "notitle",
          fmt::arg("base", base), fmt::arg("i", i)));
    }
    s += plot.command();
  }
  s += script_tail();
  draw(ctx, base, s);

  std::string caption = fmt::format(
      "Median test accuracy over seeds ({} finished runs) against the data "
      "fraction f (log scale; each cell spans halfway to its neighbours) and the group order n, "
      "one panel per augmentation order |H|. White: no finished run with a test set there "
      "(H is not a subgroup of that group, or augmentation leaves no test pairs).",
      st.runs.size());
  if (with_fstar) {
    caption += fmt::format(
        " Circles: the critical fraction f*(ε = {:g}) of <code>symsweep fit</code>, where the "
        "test error reaches ε, with its 95&nbsp;% bootstrap interval (bars that reach the edge "
        "leave the grid).",
        eps);
  }
  Figure fig{base, "Phase diagram", caption, {base + ".dat"}};
  if (with_fstar) fig.data_files.push_back(base + "-fstar.dat");
  ctx.figures.push_back(fig);
  return true;
}

}  // namespace symsweep::sweeps::report
