#include <fmt/core.h>

#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "report/figures.hpp"
#include "report/gnuplot.hpp"
#include "report/text.hpp"

namespace symsweep::sweeps::report {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

/// How a fitted law is drawn: its gnuplot prefix (law_functions), its band's opacity and dash.
struct LawStyle {
  std::string model, prefix;
  double band_opacity;
  std::string dash;
};
const LawStyle kPowerStyle{"power", "p", 0.15, ""};
const LawStyle kNLogNStyle{"n_log_n", "l", 0.07, " dt (8, 5)"};

/// The gnuplot functions of the fitted laws at one stratum: law(n, H, e), its envelope
/// law_lo / law_hi (each exponent at the ends of its 95 % interval, the law pivoted at the
/// centroid n0, H0, e0 of the fitted rows), for prefix "p" (power) and "l" (n ln n).
std::string law_functions(const std::map<std::string, Law>& laws, double n0, double h0, double e0) {
  std::string s = fmt::format(
      "max(a, b) = a > b ? a : b\nmin(a, b) = a < b ? a : b\n"
      "# Centroid (geometric means) of the fitted rows: the envelopes pivot there.\n"
      "n0 = {}; H0 = {}; e0 = {}\n",
      num(n0), num(h0), num(e0));
  for (const LawStyle* style : {&kPowerStyle, &kNLogNStyle}) {
    const std::string& model = style->model;
    const auto it = laws.find(model);
    if (it == laws.end()) continue;
    const Law& law = it->second;
    const Law::Parameter c = law.get("C"), a = law.get("alpha"), g = law.get("gamma"),
                         b = law.get("beta");
    const std::string& prefix = style->prefix;
    s += fmt::format("# {}: {} (R^2 = {})\n", model, law.formula, show(law.r2, 4));
    s += fmt::format("{p}C = {}; {p}a = {}; {p}a_lo = {}; {p}a_hi = {}\n", num(c.estimate),
                     num(a.estimate), num(a.low), num(a.high), fmt::arg("p", prefix));
    s += fmt::format(
        "{p}g = {}; {p}g_lo = {}; {p}g_hi = {}; {p}b = {}; {p}b_lo = {}; {p}b_hi = {}\n",
        num(g.estimate), num(g.low), num(g.high), num(b.estimate), num(b.low), num(b.high),
        fmt::arg("p", prefix));
    const std::string n_term = model == "power" ? "n**{p}a" : "n * log(n)";
    s += fmt::format(
        fmt::runtime("{p}law(n, H, e) = {p}C * " + n_term + " * H**(-{p}g) * e**(-{p}b)\n"),
        fmt::arg("p", prefix));
    const std::string spread =
        model == "power" ? "{f}({p}a_lo * log(n / n0), {p}a_hi * log(n / n0)) + " : "";
    const std::string rest =
        "{f}(-{p}g_lo * log(H / H0), -{p}g_hi * log(H / H0)) + "
        "{f}(-{p}b_lo * log(e / e0), -{p}b_hi * log(e / e0))";
    for (const char* f : {"min", "max"}) {
      s += fmt::format(fmt::runtime("{p}law_{s}(n, H, e) = {p}law(n, H, e) * exp(" + spread + rest +
                                    " - ({p}law_d(n, H, e)))\n"),
                       fmt::arg("p", prefix), fmt::arg("f", f),
                       fmt::arg("s", std::string(f) == "min" ? "lo" : "hi"));
    }
    // The pivot: law_d is the estimate's own exponent terms, so law_lo = law_hi = law at the
    // centroid.
    s += fmt::format(fmt::runtime("{p}law_d(n, H, e) = " +
                                  std::string(model == "power" ? "{p}a * log(n / n0) + " : "") +
                                  "(-{p}g * log(H / H0)) + (-{p}b * log(e / e0))\n"),
                     fmt::arg("p", prefix));
  }
  return s;
}

/// A legend text of a law for the figures: its formula and its varying exponent.
std::string law_title(const std::string& model, const Law& law, const std::string& exponent) {
  std::string t = model == "power" ? "power law" : "n ln n law";
  const auto it = law.parameters.find(exponent);
  if (it != law.parameters.end()) {
    const char* sym = exponent == "alpha" ? "α" : exponent == "gamma" ? "γ" : "β";
    t += fmt::format(", {} = {}", sym, show(it->second.estimate));
    if (std::isfinite(it->second.low) && std::isfinite(it->second.high)) {
      t += fmt::format(" [{}, {}]", show(it->second.low), show(it->second.high));
    }
  }
  t += fmt::format(", R² = {}", show(law.r2));
  if (law.preferred) t += " (preferred)";
  return t;
}

/// The centroid in log space of the uncensored critical fractions of a stratum.
struct Centroid {
  double n0 = kNaN, h0 = kNaN, e0 = kNaN;
};
Centroid centroid_of(const std::vector<Critical>& crit) {
  double sn = 0, sh = 0, se = 0;
  int m = 0;
  for (const Critical& cr : crit) {
    const CriticalFractionRow& c = cr.stored;
    if (!c.estimate || c.censoring != "none") continue;
    sn += std::log(c.group_order);
    sh += std::log(c.augment_order);
    se += std::log(c.eps);
    ++m;
  }
  if (m == 0) return {};
  return {std::exp(sn / m), std::exp(sh / m), std::exp(se / m)};
}

/// The x factor that sets series i of m apart from the others at a shared x (log axis).
double dodge(int i, std::size_t m) {
  return std::pow(1.012, i - (static_cast<double>(m) - 1.0) / 2.0);
}

/// A point of an N* figure: x, N*, and the interval clamped to the plot range.
struct NstarPoint {
  double x = 0.0, n_star = 0.0;
  std::optional<double> low, high;  ///< missing: the interval leaves the grid on that side
  bool interval = false;            ///< false: no bootstrap interval at all
};
using Series = std::map<int, std::vector<NstarPoint>>;

/// y range of N* points (their intervals included where finite), padded on the log scale.
std::pair<double, double> nstar_range(const Series& series) {
  double lo = std::numeric_limits<double>::infinity(), hi = 0.0;
  for (const auto& [key, pts] : series) {
    for (const NstarPoint& p : pts) {
      lo = std::min(lo, p.n_star);
      hi = std::max(hi, p.n_star);
      if (p.low && *p.low > 0) lo = std::min(lo, *p.low);
      if (p.high) hi = std::max(hi, *p.high);
    }
  }
  return {lo / 1.6, hi * 1.6};
}

std::string nstar_block(const std::vector<NstarPoint>& pts, double y_lo, double y_hi) {
  std::string s;
  for (const NstarPoint& p : pts) {
    const double lo = !p.interval ? p.n_star : (p.low && *p.low > 0 ? *p.low : y_lo);
    const double hi = !p.interval ? p.n_star : (p.high ? *p.high : y_hi);
    s += fmt::format("{} {} {} {}\n", num(p.x), num(p.n_star), num(lo), num(hi));
  }
  return s + "\n\n";
}

/// What the two N* figures share: the points, the y range, the laws and the title.
struct NstarCommon {
  std::string sweep, stratum, functions;
  double eps = 0.0, y_lo = 0.0, y_hi = 0.0;
  const std::map<std::string, Law>* laws = nullptr;
};

/// What sets the two N* figures apart: the x axis, the series and how the laws are evaluated.
struct NstarAxis {
  std::string base, what, xlabel, x_column, series_column;
  double x_pad = 1.0;
  bool minor_xtics = true;
  const Series* series = nullptr;
  std::set<int> xs;
  std::string (*series_label)(int key, const std::map<int, std::string>& augment_of);
  /// The law's arguments (n, H, e) for series `key`, x being `x`.
  std::string (*args)(int key, const std::string& x);
  std::vector<const LawStyle*> laws;  ///< the fitted laws drawn, in this order
  std::string exponent;               ///< the exponent named in the power law's legend
};

/// The data file and the script of one N* figure (`extra_items`: plotted after the laws'
/// legend entries); draws it.
void draw_nstar(FigureContext& ctx, const NstarCommon& c, const NstarAxis& a,
                const std::map<int, std::string>& augment_of,
                const std::vector<std::string>& extra_items) {
  std::string data = fmt::format(
      "# N* = f* n^2 at eps = {:g} with the 95 % bootstrap interval (clamped to the plot "
      "range where unbounded); one block per {}\n# columns: {} N* low high\n",
      c.eps, a.series_column == "|H|" ? "|H|" : "group order n", a.x_column);
  for (const auto& [key, pts] : *a.series) {
    data += fmt::format("# {} = {}\n", a.series_column, key) + nstar_block(pts, c.y_lo, c.y_hi);
  }
  write_file(ctx.dir / (a.base + ".dat"), data);
  const double x_lo = *a.xs.begin() / a.x_pad, x_hi = *a.xs.rbegin() * a.x_pad;
  std::vector<const LawStyle*> drawn;
  for (const LawStyle* l : a.laws) {
    if (c.laws->count(l->model) > 0) drawn.push_back(l);
  }
  // One plot with its legend below it, in one column, placed by gnuplot (which shrinks the
  // plot to make room): the canvas grows by a line per legend entry.
  const auto key_rows = static_cast<int>(a.series->size() + drawn.size() + extra_items.size());
  std::string s = script_head(a.base, a.what + ", sweep \"" + c.sweep + "\"", 850,
                              600 + static_cast<int>(kCharHeightPx + 1) * key_rows);
  s += fmt::format("set title {} font \",13\" offset 0, 0.5\n",
                   gp_text(fmt::format("Sweep \"{}\": critical sample count at ε = {:g}\n{}",
                                       c.sweep, c.eps, c.stratum)));
  s += "set key outside below left Left reverse box vertical maxcols 1 spacing 1.1 font \",10\"\n"
       "set lmargin 12\nset rmargin 6\n";
  s += "set logscale xy\nset samples 200\n";
  s += fmt::format("set xrange [{}:{}]\nset yrange [{}:{}]\n", num(x_lo), num(x_hi), num(c.y_lo),
                   num(c.y_hi));
  s += fmt::format("set xtics {}\n{}\nset ytics {}\nset mytics default\n",
                   listed_tics({a.xs.begin(), a.xs.end()}),
                   a.minor_xtics ? "set mxtics default" : "unset mxtics",
                   enough_log_tics(c.y_lo, c.y_hi));
  // The label's empty second line keeps it clear of the legend's box.
  s += fmt::format("set xlabel \"{}\\n\"\nset ylabel \"N* = f* n^2 (samples)\"\n", a.xlabel);
  s += fmt::format("eps = {}\n", num(c.eps)) + c.functions;
  PlotList plot;
  int i = 0;
  for (const auto& [key, pts] : *a.series) {
    const std::string col = series_colour(static_cast<std::size_t>(i));
    for (const LawStyle* l : drawn) {
      plot.add(fmt::format(
          "'+' using 1:({p}law_lo({a})):({p}law_hi({a})) with filledcurves fs transparent solid "
          "{o} noborder lc rgb \"{c}\" notitle",
          fmt::arg("p", l->prefix), fmt::arg("a", a.args(key, "$1")),
          fmt::arg("o", l->band_opacity), fmt::arg("c", col)));
    }
    for (const LawStyle* l : drawn) {
      plot.add(fmt::format("{}law({}) with lines lw 2{} lc rgb \"{}\" notitle", l->prefix,
                           a.args(key, "x"), l->dash, col));
    }
    // Series side by side at a shared x (a small multiplicative offset on the log axis).
    plot.add(fmt::format(
        "\"{}.dat\" index {} using ($1 * {:.4f}):2:3:4 with yerrorbars pt 7 ps 1.2 lw 1.5 lc "
        "rgb \"{}\" title {}",
        a.base, i, dodge(i, a.series->size()), col, gp_text(a.series_label(key, augment_of))));
    ++i;
  }
  for (const LawStyle* l : drawn) {
    plot.add(fmt::format(
        "keyentry with lines lw 2{} lc rgb \"black\" title {}", l->dash,
        gp_text(law_title(l->model, c.laws->at(l->model), l == &kPowerStyle ? a.exponent : ""))));
  }
  for (const std::string& item : extra_items) plot.add(item);
  s += plot.command() + script_tail();
  draw(ctx, a.base, s);
}

}  // namespace

void nstar_figures(FigureContext& ctx, const std::string& base, const std::string& sweep,
                   const Stratum& st, double eps, std::string* note_n, std::string* note_h) {
  Series by_h, by_n;
  std::map<int, std::string> augment_of;
  std::set<int> orders, h_orders;
  int censored = 0, unbounded = 0;
  for (const Critical& cr : st.critical) {
    const CriticalFractionRow& c = cr.stored;
    if (std::abs(c.eps - eps) > 1e-12) continue;
    if (!c.estimate) {
      ++censored;
      continue;
    }
    const double n2 = static_cast<double>(c.group_order) * c.group_order;
    NstarPoint p;
    p.n_star = *c.estimate * n2;
    p.interval = c.low.has_value() || c.high.has_value();
    if (c.low) p.low = *c.low * n2;
    if (c.high) p.high = *c.high * n2;
    if (p.interval && (!p.high || !p.low || *p.low <= 0)) ++unbounded;
    p.x = c.group_order;
    by_h[c.augment_order].push_back(p);
    p.x = c.augment_order;
    by_n[c.group_order].push_back(p);
    augment_of.emplace(c.augment_order, c.augment);
    orders.insert(c.group_order);
    h_orders.insert(c.augment_order);
  }
  if (by_h.empty()) {
    *note_n = *note_h =
        censored > 0
            ? fmt::format(
                  "Every cell is censored at ε = {:g} (its accuracy does not cross 1 − ε inside "
                  "the fraction grid): no N* to draw.",
                  eps)
            : fmt::format(
                  "No fit for this stratum at ε = {:g}: run <code>symsweep fit --db {} --sweep "
                  "{}</code> first.",
                  eps, html(ctx.db_path), html(sweep));
    return;
  }
  const Centroid cen = centroid_of(st.critical);
  const bool have_power = st.laws.count("power") > 0, have_nlogn = st.laws.count("n_log_n") > 0;
  NstarCommon common;
  common.sweep = sweep;
  common.stratum = st.key;
  common.eps = eps;
  common.laws = &st.laws;
  common.functions =
      std::isfinite(cen.n0) ? law_functions(st.laws, cen.n0, cen.h0, cen.e0) : std::string();
  std::tie(common.y_lo, common.y_hi) = nstar_range(by_h);
  const std::string counts_note =
      fmt::format("{}{}",
                  censored > 0 ? fmt::format(" {} censored cell{} (f* outside the fraction grid) "
                                             "are not drawn.",
                                             censored, censored == 1 ? "" : "s")
                               : "",
                  unbounded > 0 ? " Interval bars that reach the frame are unbounded on that "
                                  "side (the bootstrap left the grid)."
                                : "");
  const std::string band_note =
      " Shaded bands: the law with each exponent at the ends of its 95&nbsp;% interval, pivoted "
      "at the centroid of the fitted cells (a simple envelope; the fits table has the intervals).";

  // --- N* against n
  if (orders.size() < 2) {
    *note_n = "The stratum has a single group order: no N* against n.";
  } else {
    NstarAxis a;
    a.base = base + "-nstar-n";
    a.what = "N* against n";
    a.xlabel = "group order n";
    a.x_column = "n";
    a.series_column = "|H|";
    a.x_pad = 1.15;
    a.series = &by_h;
    a.xs = orders;
    a.series_label = [](int h, const std::map<int, std::string>& aug) {
      return h_label(h, aug.at(h));
    };
    a.args = [](int h, const std::string& x) { return fmt::format("{}, {}, eps", x, h); };
    a.laws = {&kPowerStyle, &kNLogNStyle};
    a.exponent = "alpha";
    draw_nstar(ctx, common, a, augment_of,
               {"2.7482 * x * log(x) with lines lw 1.5 dt 3 lc rgb \"#555555\" title "
                "\"reference 2.75 n ln n (Tian, no augmentation)\""});
    std::string caption = fmt::format(
        "Critical sample count N* = f*(ε) n² at ε = {:g} against the group order n (log-log), "
        "one colour per augmentation order |H|, with 95&nbsp;% intervals of f* (the seeds "
        "and the grid spacing together).",
        eps);
    if (have_power || have_nlogn) {
      caption +=
          " Lines: the laws of <code>symsweep fit</code> (fitted jointly over every ε of "
          "the stratum) evaluated at this ε: solid the power law N* = C n<sup>α</sup> "
          "|H|<sup>−γ</sup> ε<sup>−β</sup>, dashed the n ln n law." +
          band_note;
    } else {
      caption += " No law is fitted for this stratum: run <code>symsweep fit</code> first.";
    }
    caption +=
        " Dotted grey: Tian's critical fraction 2.7482 ln n / n as a sample count, for "
        "comparison (a different model)." +
        counts_note;
    ctx.figures.push_back({a.base, "N* against group order", caption, {a.base + ".dat"}});
  }

  // --- N* against |H|
  if (h_orders.size() < 2) {
    *note_h = "The stratum has a single augmentation order |H|: no N* against |H|.";
    return;
  }
  NstarAxis a;
  a.base = base + "-nstar-h";
  a.what = "N* against |H|";
  a.xlabel = "augmentation order |H|";
  a.x_column = "|H|";
  a.series_column = "n";
  a.x_pad = 1.2;
  a.minor_xtics = false;
  a.series = &by_n;
  a.xs = h_orders;
  a.series_label = [](int n, const std::map<int, std::string>&) {
    return fmt::format("n = {}", n);
  };
  a.args = [](int n, const std::string& x) { return fmt::format("{}, {}, eps", n, x); };
  a.laws = {&kPowerStyle};
  a.exponent = "gamma";
  std::vector<std::string> extra;
  if (have_power) {
    // The paper's prediction gamma = 1, through the fitted law at the centroid.
    extra.push_back(
        "plaw(n0, H0, eps) * (x / H0)**(-1) with lines lw 1.5 dt 3 lc rgb \"#555555\" title "
        "\"slope γ = 1 (the paper), through the fit at the centroid\"");
  }
  draw_nstar(ctx, common, a, augment_of, extra);
  std::string caption = fmt::format(
      "Critical sample count N* = f*(ε) n² at ε = {:g} against the augmentation order |H| "
      "(log-log), one colour per group order n, with 95&nbsp;% intervals of f* (the seeds and "
      "the grid spacing together).",
      eps);
  if (have_power) {
    const Law::Parameter g = st.laws.at("power").get("gamma");
    caption += fmt::format(
        " Lines: the fitted power law at each n, N* ∝ |H|<sup>−γ</sup> with γ = {} [{}, {}]; "
        "dotted grey: the paper's γ = 1 for comparison, through the fit at the centroid.",
        show(g.estimate), show(g.low), show(g.high));
    caption += band_note;
  } else {
    caption += " No power law is fitted for this stratum: run <code>symsweep fit</code> first.";
  }
  caption += counts_note;
  ctx.figures.push_back({a.base, "N* against augmentation order", caption, {a.base + ".dat"}});
}

}  // namespace symsweep::sweeps::report
