#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
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

/// The last logged value of column j of a run's potentials, or NaN.
double final_value(const RunPotentials& p, std::size_t j) {
  for (auto i = static_cast<Eigen::Index>(p.steps.size()); i-- > 0;) {
    const double v = p.re(i, static_cast<Eigen::Index>(j));
    if (!std::isnan(v)) return v;
  }
  return std::nan("");
}

}  // namespace

int chosen_index(const CellPotentials& cell) {
  std::map<int, std::vector<double>> finals;
  for (const RunPotentials& p : cell.potentials) {
    for (std::size_t j = 0; j < p.ks.size(); ++j) {
      const double v = final_value(p, j);
      if (!std::isnan(v)) finals[p.ks[j]].push_back(v);
    }
  }
  int best = 0;
  double best_mean = -std::numeric_limits<double>::infinity();
  for (const auto& [k, v] : finals) {
    double sum = 0.0;
    for (double x : v) sum += x;
    const double mean = sum / static_cast<double>(v.size());
    if (mean > best_mean + 1e-12) {  // ties: the smaller index
      best = k;
      best_mean = mean;
    }
  }
  return best;
}

void cell_figure(FigureContext& ctx, const std::string& base, const std::string& sweep,
                 const CellPotentials& cell, const Critical* critical) {
  const int k = chosen_index(cell);
  const bool irreps = cell.potentials.front().irreps;
  int dim = 1;
  // fraction -> step -> values over seeds; and the runs of each fraction.
  std::map<double, std::map<std::int64_t, std::vector<double>>> curves;
  std::map<double, std::vector<std::int64_t>> runs_of;
  std::vector<std::int64_t> ids;
  std::int64_t last = 1;
  for (std::size_t r = 0; r < cell.runs.size(); ++r) {
    const RunPotentials& p = cell.potentials[r];
    const auto it = std::find(p.ks.begin(), p.ks.end(), k);
    if (it == p.ks.end()) continue;
    const auto j = static_cast<std::size_t>(it - p.ks.begin());
    dim = p.dims[j];
    const double f = cell.runs[r].fraction;
    runs_of[f].push_back(cell.runs[r].id);
    ids.push_back(cell.runs[r].id);
    for (std::size_t i = 0; i < p.steps.size(); ++i) {
      const double v = p.re(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j));
      if (std::isnan(v)) continue;
      curves[f][p.steps[i]].push_back(v);
      last = std::max(last, p.steps[i]);
    }
  }
  const std::string index_text =
      irreps ? fmt::format("τ = {} (d = {})", k, dim) : fmt::format("k = {}", k);
  const std::string mp = irreps ? "ρ_τ" : "Re ρ_{kkk}";
  // A double and a flag rather than an optional: GCC 12 at -O3 sees the optional's value as
  // maybe uninitialized where it is formatted.
  const bool with_fstar = critical != nullptr && critical->stored.estimate.has_value();
  const double fstar = with_fstar ? *critical->stored.estimate : 0.0;

  std::string data = fmt::format(
      "# symsweep report: {} of {} over the steps, per data fraction, cell {}\n"
      "# one block (gnuplot index) per data fraction; columns: step median min max seeds "
      "fraction\n",
      irreps ? "rho_tau" : "Re rho_kkk",
      irreps ? fmt::format("tau = {}", k) : fmt::format("k = {}", k), cell.cell);
  double lo = 0.0, hi = 0.0;
  for (const auto& [f, by_step] : curves) {
    data += fmt::format("# f = {} (runs {})\n", num(f), id_ranges(runs_of.at(f)));
    for (const auto& [step, v] : by_step) {
      const auto [mn, mx] = std::minmax_element(v.begin(), v.end());
      lo = std::min(lo, *mn);
      hi = std::max(hi, *mx);
      data += fmt::format("{} {} {} {} {} {}\n", step, num(core::median(v)), num(*mn), num(*mx),
                          v.size(), num(f));
    }
    data += "\n\n";
  }
  write_file(ctx.dir / (base + ".dat"), data);

  // One colour per fraction, ordered (viridis from dark: small f to light: large f); with a
  // stored f*, dashed below it and solid above.
  const std::size_t count = curves.size();
  PanelGrid g;
  g.left = 10;
  g.right = 16;  // the key
  g.top = 5;
  g.bottom = 4;
  const auto [width, height] = g.canvas(560, 330);
  std::string s = script_head(
      base, "potential of one index across data fractions, cell " + cell.cell, width, height);
  // `mp` is in gnuplot's enhanced syntax (ρ_{kkk}); the rest is shown literally.
  s +=
      g.multiplot(fmt::format("\"Sweep \\\"{}\\\": {} of {} per data fraction (median over "
                              "seeds)\\n{}\"",
                              gp_escape(sweep), mp, gp_escape(index_text), gp_escape(cell.cell)));
  s += fmt::format("set xrange [0:{}]\nset xlabel \"step\"\nset tics out nomirror\n", last);
  const double top = hi > 0.5 ? std::max(1.0, hi) : std::max(hi, lo + 0.05);
  s += fmt::format("set yrange [{}:{}]\nset ylabel {}\n", num(lo - 0.03 * (top - lo)),
                   num(top + 0.05 * (top - lo)),
                   fmt::format("\"{}, {}\"", mp, gp_escape(index_text)));
  s += "set key outside right top vertical Left reverse samplen 2 font \",10\"\n";
  s += fmt::format(
      "set title {}\n",
      gp_text(with_fstar ? fmt::format("solid: f > f*(ε = {:g}) = {:.3g}, dashed: f ≤ f*",
                                       critical->stored.eps, fstar)
                         : std::string("one line per data fraction f")));
  PlotList plot;
  std::size_t i = 0;
  for (const auto& [f, by_step] : curves) {
    const std::string colour = viridis_colour(
        count > 1 ? 0.9 * static_cast<double>(i) / static_cast<double>(count - 1) : 0.0);
    const bool below = with_fstar && f <= fstar;
    plot.add(fmt::format(
        R"("{}.dat" index {} using 1:2 with lines lw 1.8 {}lc rgb "{}" title "f = {:.3g}")", base,
        i, below ? "dt (5, 3) " : "", colour, f));
    ++i;
  }
  s += plot.command();
  s += script_tail();
  draw(ctx, base, s);

  const std::string mp_html = irreps ? "ρ<sub>τ</sub>" : "Re ρ<sub>kkk</sub>";
  const std::string which = irreps ? fmt::format("irrep τ = {} (dimension {})", k, dim)
                                   : fmt::format("frequency k = {}", k);
  std::string caption = fmt::format(
      "{mp} of {which} (of all the {whats}, the one with the largest mean final value over the "
      "cell's runs) against the step in cell <code>{cell}</code> of sweep “{sweep}”, one colour "
      "per data fraction f (dark: small f, light: large f), the median over seeds at each "
      "logged step ({data} holds the minimum and maximum too). From runs {ids}.",
      fmt::arg("mp", mp_html), fmt::arg("which", which),
      fmt::arg("whats", irreps ? "irreps" : "frequencies"), fmt::arg("cell", html(cell.cell)),
      fmt::arg("sweep", html(sweep)), fmt::arg("data", html(base + ".dat")),
      fmt::arg("ids", id_ranges(ids)));
  caption += with_fstar ? fmt::format(
                              " Solid: fractions above the cell's f*(ε = {:g}) = {:.3g} "
                              "(<code>symsweep fit</code>); dashed: at or below it.",
                              critical->stored.eps, fstar)
             : critical != nullptr
                 ? fmt::format(
                       " The cell's f*(ε = {:g}) is censored ({}): every fraction is "
                       "drawn solid.",
                       critical->stored.eps, html(critical->stored.censoring))
                 : " No f* is stored for this cell: every fraction is drawn solid.";
  ctx.figures.push_back({base, "Potential across data fractions", caption, {base + ".dat"}});
}

}  // namespace symsweep::sweeps::report
