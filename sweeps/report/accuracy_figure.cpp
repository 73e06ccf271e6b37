#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "report/figures.hpp"
#include "report/gnuplot.hpp"
#include "report/text.hpp"
#include "symsweep/core/statistics.hpp"

namespace symsweep::sweeps::report {

namespace {

/// The marker of a group family (CellKey::family), so that families in one panel differ in
/// shape as well as colour: circle, square, triangle, diamond, pentagon.
int family_point(const std::string& family, std::map<std::string, int>& families) {
  static constexpr int kPoints[] = {7, 5, 9, 13, 15};
  const auto it = families.emplace(family, static_cast<int>(families.size())).first;
  return kPoints[static_cast<std::size_t>(it->second) % std::size(kPoints)];
}

}  // namespace

bool accuracy_figure(FigureContext& ctx, const std::string& base, const std::string& sweep,
                     const Stratum& st, double eps, bool fitted, std::string* note) {
  if (st.runs.empty()) {
    *note = "No finished run with a test set yet: no accuracy against data fraction.";
    return false;
  }
  // Lines: one per group (colour, and a marker per family) in each |H| panel.
  std::set<std::pair<int, std::string>> groups;
  std::map<int, std::string> augment_of;
  for (const SweepRun& r : st.runs) {
    groups.emplace(r.group_order, r.key.settings.group_spec);
    augment_of.emplace(r.augment_order, r.key.settings.augment);
  }
  std::map<std::string, std::size_t> colour_of;
  for (const auto& [n, spec] : groups) colour_of.emplace(spec, colour_of.size());
  // |H| -> (order, group) -> fraction -> final test accuracies over seeds; and the cell.
  std::map<int, std::map<std::pair<int, std::string>, std::map<double, std::vector<double>>>> acc;
  std::map<std::pair<int, std::string>, std::string> cell_of;
  std::map<std::string, std::string> family_of;
  std::vector<std::int64_t> ids;
  std::set<double> grid;
  for (const SweepRun& r : st.runs) {
    acc[r.augment_order][{r.group_order, r.key.settings.group_spec}][r.fraction].push_back(
        *r.test_acc);
    cell_of.emplace(std::pair(r.augment_order, r.key.settings.group_spec), r.key.cell);
    family_of.emplace(r.key.settings.group_spec, r.key.family);
    ids.push_back(r.id);
    grid.insert(r.fraction);
  }
  const double x_lo = *grid.begin() / 1.2, x_hi = *grid.rbegin() * 1.2;

  std::string data = fmt::format(
      "# symsweep report: final test accuracy against data fraction, sweep \"{}\", stratum {}\n"
      "# one block (gnuplot index) per line: per |H|, per group; one row per data fraction\n"
      "# columns: fraction median min max q1 q3 seeds group_order augment_order\n",
      sweep, st.key);
  std::string fstar = fmt::format(
      "# f*(eps = {:g}) of the lines of {}.dat as stored by `symsweep fit`, with its 95 % "
      "interval clipped to the plot (a line without a point: not fitted or censored)\n"
      "# one block (gnuplot index) per line with an f*; columns: f_star accuracy low high\n",
      eps, base);
  struct Line {
    int block, fstar_block = -1;
    std::string spec, colour;
    int point;
  };
  std::map<int, std::vector<Line>> lines;  // per |H|
  std::map<std::string, int> families;
  int blocks = 0, fstar_blocks = 0, censored = 0;
  for (const auto& [h, by_group] : acc) {
    for (const auto& [group, by_f] : by_group) {
      const std::string& spec = group.second;
      Line line{blocks++, -1, spec, discrete_colour(colour_of.at(spec), colour_of.size()),
                family_point(family_of.at(spec), families)};
      data += fmt::format("# |H| = {}, group {}\n", h, spec);
      for (const auto& [f, v] : by_f) {
        std::vector<double> sorted = v;
        std::sort(sorted.begin(), sorted.end());
        data += fmt::format("{} {} {} {} {} {} {} {} {}\n", num(f), num(core::median(v)),
                            num(sorted.front()), num(sorted.back()),
                            num(core::quantile_of_sorted(sorted, 0.25)),
                            num(core::quantile_of_sorted(sorted, 0.75)), v.size(), group.first, h);
      }
      data += "\n\n";
      const Critical* c = critical_of(st.critical, cell_of.at({h, spec}), eps);
      if (c != nullptr && c->stored.estimate) {
        const CriticalFractionRow& r = c->stored;
        const double lo = r.low && *r.low > 0 ? std::max(*r.low, x_lo) : x_lo;
        const double hi = r.high ? std::min(*r.high, x_hi) : x_hi;
        fstar += fmt::format("# |H| = {}, group {}\n{} {} {} {}\n\n\n", h, spec, num(*r.estimate),
                             num(1.0 - eps), num(lo), num(hi));
        line.fstar_block = fstar_blocks++;
      } else if (c != nullptr) {
        ++censored;
      }
      lines[h].push_back(line);
    }
  }
  write_file(ctx.dir / (base + ".dat"), data);
  const bool with_fstar = fstar_blocks > 0;
  if (with_fstar) write_file(ctx.dir / (base + "-fstar.dat"), fstar);

  const std::string xtics =
      grid.size() <= 6 ? listed_tics({grid.begin(), grid.end()}) : enough_log_tics(x_lo, x_hi);
  PanelGrid g;
  const int panels = static_cast<int>(lines.size());
  g.cols = panels == 4 ? 2 : std::min(panels, 3);
  g.rows = (panels + g.cols - 1) / g.cols;
  g.left = 10;
  g.right = 3;
  g.xgap = 10;
  g.top = 5.6;
  g.bottom = 4;
  g.ygap = 7;
  const auto [width, height] = g.canvas(430, 320);
  const std::string title = fmt::format(
      "Sweep \"{}\": final test accuracy, median over seeds (band: min to max){}", sweep,
      with_fstar ? fmt::format("; diamonds: f*(ε = {:g}) with its 95 % interval", eps) : "");
  std::string s = script_head(base, "test accuracy against data fraction, sweep \"" + sweep + "\"",
                              std::max(width, 9 * static_cast<int>(title.size()) + 80), height);
  s += g.multiplot(gp_text(title + "\n" + st.key));
  int i = 0;
  for (const auto& [h, panel] : lines) {
    s += fmt::format("set logscale x\nset xrange [{}:{}]\nset xtics {}\nset mxtics default\n",
                     num(x_lo), num(x_hi), xtics);
    s += "set yrange [0:1.12]\nset ytics 0.2\nset tics out nomirror\n";
    s += "set xlabel \"data fraction f (sampled pairs / n^2, log scale)\"\n";
    s += i++ % g.cols == 0 ? "set ylabel \"test accuracy\"\n" : "unset ylabel\n";
    s += fmt::format("set title {}\n", gp_text(h_label(h, augment_of.at(h))));
    s += "set key top left vertical Left reverse box opaque samplen 2 font \",10\" maxrows 4\n";
    PlotList plot;
    for (const Line& l : panel) {
      plot.add(fmt::format(
          "\"{}.dat\" index {} using 1:3:4 with filledcurves fc rgb \"{}\" fs transparent solid "
          "0.18 noborder notitle",
          base, l.block, l.colour));
      plot.add(fmt::format(
          "\"{}.dat\" index {} using 1:2 with linespoints lw 1.8 pt {} ps 0.8 lc rgb \"{}\" "
          "title {}",
          base, l.block, l.point, l.colour, gp_text(l.spec)));
      if (l.fstar_block >= 0) {
        plot.add(fmt::format(
            "\"{}-fstar.dat\" index {} using 1:2:3:4 with xerrorbars pt 13 ps 1.4 lw 1.5 lc rgb "
            "\"{}\" notitle",
            base, l.fstar_block, l.colour));
      }
    }
    plot.add(fmt::format("{} with lines dt 2 lw 1 lc rgb \"#888888\" title \"1 − ε = {:g}\"",
                         num(1.0 - eps), 1.0 - eps));
    s += plot.command();
  }
  s += script_tail();
  draw(ctx, base, s);

  std::string caption = fmt::format(
      "Final test accuracy against the data fraction f (log scale), one panel per augmentation "
      "order |H| and one line per group (colour: the group, marker: its family), so that groups "
      "of different families share the axis: the median over seeds, with a band from the "
      "smallest to the largest accuracy over seeds. From the {} finished runs of sweep “{}” "
      "with the training settings <code>{}</code> (runs {}).",
      st.runs.size(), html(sweep), html(st.key), id_ranges(ids));
  if (with_fstar) {
    caption += fmt::format(
        " Diamonds on the dashed line 1 − ε: the critical fraction f*(ε = {:g}) of each cell as "
        "stored by <code>symsweep fit</code>, with its 95&nbsp;% interval (bars that reach the "
        "edge leave the grid); {} of {} lines have one{}.",
        eps, fstar_blocks, blocks,
        censored > 0 ? fmt::format(", {} are censored (no crossing inside the grid)", censored)
                     : "");
  } else if (fitted) {
    caption += fmt::format(
        " No finite f*(ε = {:g}) is stored for these cells (censored or not "
        "fitted at this ε): no f* is marked.",
        eps);
  } else {
    caption += fmt::format(
        " The sweep is not fitted: f*(ε) is not marked. Run <code>symsweep fit --db {} --sweep "
        "{}</code> and the critical fractions appear here.",
        html(ctx.db_path), html(sweep));
  }
  Figure fig{base, "Test accuracy against data fraction", caption, {base + ".dat"}};
  if (with_fstar) fig.data_files.push_back(base + "-fstar.dat");
  ctx.figures.push_back(fig);
  return true;
}

}  // namespace symsweep::sweeps::report
