#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "report/figures.hpp"
#include "report/gnuplot.hpp"
#include "report/text.hpp"
#include "symsweep/core/group_context.hpp"

namespace symsweep::sweeps::report {

namespace {

/// Why a run of a non-abelian group has no monomial potentials.
std::string no_irreps_note(int group_order) {
  return group_order > core::GroupContext::kMaxIrrepOrder
             ? fmt::format(
                   "no monomial potentials: non-abelian groups get them from their "
                   "irreducible representations up to order {}, and this one has {}",
                   core::GroupContext::kMaxIrrepOrder, group_order)
             : "no monomial potentials were logged (a database from before the per-irrep MPs?)";
}

/// Per k: the k whose Re rho curve it repeats, or 0. rho_{-k,-k,-k} = conj(rho_kkk) for real
/// weights: the real parts of k and -k coincide, and the later of each pair would hide the
/// earlier one, so each such curve is drawn once.
std::vector<int> duplicates(const RunPotentials& p) {
  const Eigen::MatrixXd& m = p.re;
  std::vector<int> duplicate_of(p.ks.size(), 0);
  for (std::size_t j = 0; j < p.ks.size(); ++j) {
    for (std::size_t e = 0; e < j && duplicate_of[j] == 0; ++e) {
      if (duplicate_of[e] != 0) continue;
      bool same = true;
      for (Eigen::Index i = 0; i < m.rows() && same; ++i) {
        const double a = m(i, static_cast<Eigen::Index>(j)), c = m(i, static_cast<Eigen::Index>(e));
        same = (std::isnan(a) && std::isnan(c)) || std::abs(a - c) <= 1e-9;
      }
      if (same) duplicate_of[j] = p.ks[e];
    }
  }
  return duplicate_of;
}

/// What the potentials panel needs to know after writing its data files.
struct RhoData {
  std::vector<int> duplicate_of;
  double lo = 0.0, hi = 0.0;    ///< range of the drawn curves (logged and fitted)
  int k_lo = 1, k_hi = 1;       ///< indices of the drawn curves
  bool with_fits = false;       ///< fit's curves are drawn
  std::vector<int> fit_block;   ///< per k: its block (gnuplot index) in -rho-fit.dat, or -1
  std::int64_t half_step = -1;  ///< first step at which a drawn curve reaches 0.5, or -1
};

/// Writes `b`-rho.dat, and with stored fits `b`-rho-fit.dat and `b`-theorem2.csv.
RhoData write_rho_data(FigureContext& ctx, const RunData& run, const std::string& b) {
  const RunPotentials& p = run.potentials;
  const double lr = run.info.lr;
  RhoData out;
  out.duplicate_of = duplicates(p);
  out.fit_block.assign(p.ks.size(), -1);
  int fit_blocks = 0;
  out.k_lo = out.k_hi = p.ks.front();
  std::map<int, const Theorem2Row*> fit_of;
  for (const Theorem2Row& r : run.theorem2) fit_of[r.fit.k] = &r;
  out.with_fits = !fit_of.empty();
  std::string data = fmt::format(
      "# Re rho_kkk of run {} per logged step; one block (gnuplot index) per k\n"
      "# duplicate_of: the k whose curve this one repeats (Re rho of -k equals that of k), or 0\n"
      "# columns: step t=lr*step re_rho_kkk k duplicate_of\n",
      run.id);
  std::string fit = fmt::format(
      "# fitted 1 - exp(-C_k t), t = lr * step (lr = {:g}), per k (blank-separated blocks), as "
      "stored by `symsweep fit`\n# columns: step fitted k\n",
      lr);
  const std::int64_t max_step = std::max<std::int64_t>(p.steps.back(), 1);
  for (std::size_t j = 0; j < p.ks.size(); ++j) {
    for (std::size_t i = 0; i < p.steps.size(); ++i) {
      const double v = p.re(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j));
      if (std::isnan(v)) continue;
      data += fmt::format("{} {} {} {} {}\n", p.steps[i], num(lr * static_cast<double>(p.steps[i])),
                          num(v), p.ks[j], out.duplicate_of[j]);
      if (out.duplicate_of[j] == 0) {
        out.lo = std::min(out.lo, v);
        out.hi = std::max(out.hi, v);
        if (v >= 0.5 && (out.half_step < 0 || p.steps[i] < out.half_step)) {
          out.half_step = p.steps[i];
        }
      }
    }
    data += "\n\n";
    if (out.duplicate_of[j] != 0) continue;
    out.k_lo = std::min(out.k_lo, p.ks[j]);
    out.k_hi = std::max(out.k_hi, p.ks[j]);
    const auto it = fit_of.find(p.ks[j]);
    if (it == fit_of.end() || !it->second->fit.fitted) continue;
    const double c = it->second->fit.c;
    out.hi = std::max(out.hi, 1.0 - std::exp(-c * lr * static_cast<double>(max_step)));
    constexpr int kCurvePoints = 150;
    for (int i = 0; i <= kCurvePoints; ++i) {
      const double s = static_cast<double>(max_step) * i / kCurvePoints;
      fit += fmt::format("{} {} {}\n", num(s), num(1.0 - std::exp(-c * lr * s)), p.ks[j]);
    }
    fit += "\n\n";
    out.fit_block[j] = fit_blocks++;
  }
  write_file(ctx.dir / (b + "-rho.dat"), data);
  if (out.with_fits) {
    std::string table = "k,C,r2,rmse,points,fitted,dim\n";
    for (const Theorem2Row& r : run.theorem2) {
      const core::Theorem2Fit& f = r.fit;
      table += fmt::format("{},{},{},{},{},{},{}\n", f.k, num(f.c), num(f.r2), num(f.rmse),
                           f.points, f.fitted ? 1 : 0, r.dim);
    }
    write_file(ctx.dir / (b + "-rho-fit.dat"), fit);
    write_file(ctx.dir / (b + "-theorem2.csv"), table);
  }
  return out;
}

/// The first logged step at which `value` of a row reaches `threshold`, or -1.
template <class Value>
std::int64_t first_step(const std::vector<MetricsRow>& rows, Value value, double threshold) {
  for (const MetricsRow& r : rows) {
    const std::optional<double> v = value(r);
    if (v && *v >= threshold) return r.step;
  }
  return -1;
}

/// A value for a log-scale column: NaN unless finite and positive.
std::string positive(const std::optional<double>& v) {
  return v && *v > 0 && std::isfinite(*v) ? num(*v) : std::string("NaN");
}

/// The settings every panel starts from (what an earlier panel changed).
constexpr const char* kPanelReset =
    "unset logscale y\nset format y \"% h\"\nset ytics autofreq\nset autoscale y\nunset key\nunset "
    "ylabel\n"
    "unset colorbox\n";

/// The markers of a run's milestones: steps (or -1) and how they are drawn and named.
struct Milestone {
  std::int64_t step = -1;
  const char* colour;
  std::string name;
};

}  // namespace

void run_figure(FigureContext& ctx, const RunData& run, double eps) {
  const RunInfo& info = run.info;
  const std::int64_t run_id = run.id;
  const bool irreps = run.potentials.irreps;
  const bool have_rho = !run.potentials.ks.empty();
  const std::string description = fmt::format(
      "Run {}: group {}, augmentation {}, data fraction {:.4g}, width {}, seed {}, {} with lr "
      "{:g} and weight decay {:g}, {} steps, status {}{}.",
      run_id, info.group_spec, info.augment, info.fraction, info.width, info.seed, info.optimizer,
      info.lr, info.weight_decay, info.steps, info.status,
      info.test_acc ? fmt::format(", final test accuracy {:.3f}", *info.test_acc) : "");
  const std::string title_line =
      fmt::format("Run {}: {}, augment {}, f = {:.3g}, width {}, seed {}, {} lr {:g} wd {:g}",
                  run_id, info.group_spec, info.augment, info.fraction, info.width, info.seed,
                  info.optimizer, info.lr, info.weight_decay);
  // Names in the figure: frequencies k of rho_kkk, or irreps tau of rho_tau.
  const std::string mp_name = irreps ? "ρ_τ" : "Re ρ_{kkk}";
  const std::string mp_html =
      irreps ? "ρ<sub>τ</sub> = Re E tr(B A C) / d<sub>τ</sub>" : "Re ρ<sub>kkk</sub>";
  const std::string index_name = irreps ? "irrep τ (index)" : "frequency k";
  const std::string c_name = irreps ? "C_τ" : "C_k";
  const std::string b = fmt::format("run-{}", run_id);
  const std::vector<MetricsRow>& rows = run.metrics;
  const std::int64_t last_step = std::max<std::int64_t>(rows.back().step, 1);
  RhoData rho;
  if (have_rho) rho = write_rho_data(ctx, run, b);

  std::string mdata = fmt::format(
      "# logged metrics of run {} (NaN: not recorded or not positive where plotted on a log "
      "scale)\n# columns: step train_acc test_acc train_loss test_loss binary_gap "
      "max_offtarget_mp effective_dim drift_q drift_s drift_c off_target_energy\n",
      run_id);
  bool have_acc[2] = {false, false}, have_loss[2] = {false, false};
  bool have_gap = false, have_off = false, have_dim = false, have_energy = false;
  bool have_drift[3] = {false, false, false};
  bool have_hessian = false, have_density = false;
  std::string hdata = fmt::format(
      "# the loss Hessian's spectrum of run {} at the steps that measured it (NaN: not "
      "positive or not measured)\n# columns: step hessian_max minus_hessian_min "
      "hessian_negative hessian_large hessian_negative_est hessian_negative_se "
      "hessian_large_est hessian_large_se hessian_eff_dim\n",
      run_id);
  std::int64_t first_positive = -1;
  for (const MetricsRow& r : rows) {
    if (r.step > 0 && first_positive < 0) first_positive = r.step;
    have_acc[0] |= r.train_acc.has_value();
    have_acc[1] |= r.test_acc.has_value();
    have_loss[0] |= r.train_loss && *r.train_loss > 0;
    have_loss[1] |= r.test_loss && *r.test_loss > 0;
    have_gap |= r.binary_gap.has_value();
    have_off |= r.max_offtarget_mp.has_value();
    have_energy |= r.off_target_energy.has_value();
    have_dim |= r.effective_dim.has_value();
    have_drift[0] |= r.drift_q && *r.drift_q > 0;
    have_drift[1] |= r.drift_s && *r.drift_s > 0;
    have_drift[2] |= r.drift_c && *r.drift_c > 0;
    if (r.hessian_max) {
      // The steps that measured the Hessian's spectrum, in a file of their own (no gaps).
      have_hessian = true;
      have_density |= r.hessian_large_est.has_value();
      hdata += fmt::format(
          "{} {} {} {} {} {} {} {} {} {}\n", r.step, positive(r.hessian_max),
          positive(r.hessian_min ? std::optional<double>(-*r.hessian_min) : std::nullopt),
          num(r.hessian_negative), num(r.hessian_large), num(r.hessian_negative_est),
          num(r.hessian_negative_se), num(r.hessian_large_est), num(r.hessian_large_se),
          num(r.hessian_eff_dim));
    }
    mdata += fmt::format("{} {} {} {} {} {} {} {} {} {} {} {}\n", r.step, num(r.train_acc),
                         num(r.test_acc), positive(r.train_loss), positive(r.test_loss),
                         num(r.binary_gap), num(r.max_offtarget_mp), num(r.effective_dim),
                         positive(r.drift_q), positive(r.drift_s), positive(r.drift_c),
                         num(r.off_target_energy));
  }
  write_file(ctx.dir / (b + "-metrics.dat"), mdata);
  if (have_hessian) write_file(ctx.dir / (b + "-hessian.dat"), hdata);
  const bool log_axis = first_positive > 0 && first_positive < last_step;

  // The milestones of the grokking curve, marked in every panel: memorisation (train accuracy
  // 0.99), the potentials' rise (a drawn curve half-way to its target 1) and generalisation
  // (test accuracy 1 - eps).
  constexpr double kMemorised = 0.99;
  const double generalised = 1.0 - eps;
  const Milestone milestones[3] = {
      {first_step(
           rows, [](const MetricsRow& r) { return r.train_acc; }, kMemorised),
       "#1b9e77", fmt::format("train acc. ≥ {:g}", kMemorised)},
      {rho.half_step, "#7570b3", irreps ? "a ρ_τ ≥ 0.5" : "a ρ_{kkk} ≥ 0.5"},
      {first_step(
           rows, [](const MetricsRow& r) { return r.test_acc; }, generalised),
       "#d95f02", fmt::format("test acc. ≥ 1 − ε = {:g}", generalised)}};

  // Rows: accuracy, loss, potentials, binary gap on a linear (left) and a log (right) step
  // axis; then the effective dimension and the conservation drift. gnuplot lays them out.
  PanelGrid g;
  g.rows = have_hessian ? 6 : 5;
  g.cols = 2;
  g.left = 11;
  g.right = 14;  // the colour box of the potentials
  g.bottom = 4;
  g.top = 6;
  g.xgap = 13;
  g.ygap = 6;
  const auto [width, height] = g.canvas(470, 210);
  std::string s = script_head(b, fmt::format("dynamics of run {}", run_id), width, height);
  s += g.multiplot(fmt::format(
      "\"{}\\nleft: linear step axis, right: log step axis; dotted lines: the steps at which {}, "
      "{} and {}\"",
      gp_escape(title_line), gp_escape(milestones[0].name), milestones[1].name,
      gp_escape(milestones[2].name)));
  s += "set tics out nomirror\nset xlabel \"step\"\n";
  for (int i = 0; i < 3; ++i) {
    if (milestones[i].step <= 0) continue;  // not reached, or at step 0 (off a log axis)
    s += fmt::format(
        "set arrow {} from first {}, graph 0 to first {}, graph 1 nohead dt 3 lw 1.6 lc rgb "
        "\"{}\" back\n",
        i + 1, milestones[i].step, milestones[i].step, milestones[i].colour);
  }
  // One row: `body(right)` draws a panel after its axis is set; the log column is empty when
  // fewer than two positive steps were logged.
  auto two_panels = [&](const std::string& title, auto body) {
    for (const bool right : {false, true}) {
      s += kPanelReset;
      s += step_axis(static_cast<double>(std::max<std::int64_t>(first_positive, 1)),
                     static_cast<double>(last_step), right);
      // `title` is in gnuplot's enhanced syntax (ρ_{kkk}).
      s += fmt::format("set title \"{}{}\"\n", title, right ? " (log step axis)" : "");
      if (right && !log_axis) {
        s += "unset logscale x\nset xrange [0:1]\n";
        s += empty_panel("fewer than two positive steps logged: no log step axis");
      } else {
        s += body(right);
      }
    }
  };

  // The train and test curves of columns `first` and `first` + 1 of the metrics file.
  auto train_and_test = [&](const bool(&have)[2], int first) {
    PlotList plot;
    const char* names[2] = {"train", "test"};
    const char* colours[2] = {"#1b9e77", "#d95f02"};
    for (int i = 0; i < 2; ++i) {
      if (!have[i]) continue;
      plot.add(fmt::format(R"("{}-metrics.dat" using 1:{} with lines lw 2 lc rgb "{}" title "{}")",
                           b, first + i, colours[i], names[i]));
    }
    return plot;
  };
  // (1) accuracy
  two_panels("train and test accuracy", [&](bool right) {
    if (!have_acc[0] && !have_acc[1]) return empty_panel("accuracy not recorded");
    std::string p = "set ylabel \"accuracy\"\nset yrange [0:1.12]\n";
    if (!right) p += "set key top left horizontal Left reverse box opaque samplen 3 font \",10\"\n";
    PlotList plot = train_and_test(have_acc, 2);
    plot.add(fmt::format("{} with lines dt 2 lw 1 lc rgb \"#888888\" title \"1 − ε\"",
                         num(generalised)));
    return p + plot.command();
  });
  // (2) loss
  two_panels("train and test loss", [&](bool right) {
    if (!have_loss[0] && !have_loss[1]) return empty_panel("loss not recorded");
    std::string p = "set ylabel \"loss (log scale)\"\nset logscale y\nset format y \"10^{%L}\"\n";
    if (!right) {
      p += "set key top right horizontal Left reverse box opaque samplen 3 font \",10\"\n";
    }
    return p + train_and_test(have_loss, 4).command();
  });
  // (3) the potentials: one key entry per irrep (and per frequency when there are few), a
  // colour box over k otherwise.
  std::vector<std::size_t> drawn;
  for (std::size_t j = 0; j < run.potentials.ks.size(); ++j) {
    if (rho.duplicate_of[j] == 0) drawn.push_back(j);
  }
  constexpr std::size_t kMaxKeyEntries = 12;
  const bool discrete = irreps || drawn.size() <= kMaxKeyEntries;
  two_panels(fmt::format("{} per {}{}", mp_name, irreps ? "irrep τ" : "frequency k",
                         rho.with_fits ? fmt::format(", fits 1 − exp(−{} t) dashed", c_name) : ""),
             [&](bool right) {
               if (!have_rho) {
                 return empty_panel(info.abelian ? "no monomial potentials were logged for this run"
                                                 : two_lines(no_irreps_note(info.group_order)));
               }
               // The data's range, with the target 1 in view once the curves are half-way
               // there, and headroom above the curves for the legend.
               const double lo = std::min(0.0, rho.lo);
               double hi = rho.hi > 0.5 ? std::max(1.0, rho.hi) : rho.hi;
               if (hi - lo < 0.05) hi = lo + 0.05;
               const double pad = 0.05 * (hi - lo);
               std::string p = fmt::format("set ylabel \"{}\"\nset yrange [{}:{}]\n", mp_name,
                                           num(lo - pad), num(hi + 7 * pad));
               PlotList plot;
               if (discrete) {
                 if (!right) {
                   p += "set key top left horizontal maxrows 2 Left reverse box opaque samplen 2 "
                        "font \",9\"\n";
                 }
                 for (std::size_t i = 0; i < drawn.size(); ++i) {
                   const std::size_t j = drawn[i];
                   const int k = run.potentials.ks[j];
                   const std::string colour = discrete_colour(i, drawn.size());
                   const std::string name =
                       irreps ? fmt::format("τ = {} (d = {})", k, run.potentials.dims[j])
                              : fmt::format("k = {}", k);
                   plot.add(fmt::format(
                       R"("{}-rho.dat" index {} using 1:3 with lines lw 1.5 lc rgb "{}" title {})",
                       b, j, colour, gp_text(name)));
                   if (rho.fit_block[j] >= 0) {
                     plot.add(fmt::format(
                         "\"{}-rho-fit.dat\" index {} using 1:2 with lines lw 1.2 dt (6, 4) lc "
                         "rgb \"{}\" notitle",
                         b, rho.fit_block[j], colour));
                   }
                 }
               } else {
                 p += fmt::format("{}\nset cbrange [{}:{}]\nset cbtics out\n", kViridis, rho.k_lo,
                                  std::max(rho.k_hi, rho.k_lo + 1));
                 if (right) {
                   p += fmt::format("set cblabel \"{}\" offset 0.8, 0\n{}", index_name,
                                    colorbox_beside_panel());
                 }
                 plot.add(fmt::format(
                     "\"{}-rho.dat\" using 1:($5 == 0 ? $3 : NaN):4 with lines lw 1.3 lc palette "
                     "notitle",
                     b));
                 if (rho.with_fits) {
                   plot.add(fmt::format(
                       "\"{}-rho-fit.dat\" using 1:2:3 with lines lw 1.3 dt (6, 4) lc palette "
                       "notitle",
                       b));
                 }
               }
               if (plot.empty()) return empty_panel("no potentials");
               return p + plot.command();
             });
  // (4) binary gap
  two_panels("distance to the symbolic 0/1 solution", [&](bool right) {
    if (!have_gap && !have_off && !have_energy) {
      return empty_panel("binary gap not recorded for this run");
    }
    double top = 0.0;
    for (const MetricsRow& r : rows) {
      top = std::max({top, r.binary_gap.value_or(0.0), r.max_offtarget_mp.value_or(0.0),
                      r.off_target_energy.value_or(0.0)});
    }
    std::string p = fmt::format("set ylabel \"distance from the target\"\nset yrange [0:{}]\n",
                                num(top > 0 ? 1.28 * top : 1.0));
    if (!right)
      p += "set key top right horizontal Left reverse box opaque samplen 3 font \",10\"\n";
    PlotList plot;
    if (have_gap) {
      plot.add(fmt::format(
          "\"{}-metrics.dat\" using 1:6 with linespoints pt 7 ps 0.4 lw 1.8 lc rgb \"#1b9e77\" "
          "title \"binary gap\"",
          b));
    }
    if (have_off) {
      plot.add(
          fmt::format("\"{}-metrics.dat\" using 1:7 with linespoints pt 5 ps 0.35 lw 1.8 lc rgb "
                      "\"#d95f02\" title \"largest off-target |ρ|\"",
                      b));
    }
    if (have_energy) {
      plot.add(
          fmt::format("\"{}-metrics.dat\" using 1:12 with linespoints pt 9 ps 0.45 lw 1.8 lc rgb "
                      "\"#7570b3\" title \"off-target energy\"",
                      b));
    }
    return p + plot.command();
  });
  // (5) effective dimension and conservation drift, on a linear step axis
  s += kPanelReset;
  s += step_axis(0, static_cast<double>(last_step), false);
  s += "set title \"effective dimension of the particle cloud\"\n"
       "set ylabel \"participation ratio\"\n";
  if (have_dim) {
    double top = 0.0;
    for (const MetricsRow& r : rows) top = std::max(top, r.effective_dim.value_or(0.0));
    s += fmt::format("set yrange [0:{}]\n", num(top > 0 ? 1.1 * top : 1.0));
    s += fmt::format(
        "plot \"{}-metrics.dat\" using 1:8 with linespoints pt 7 ps 0.4 lw 1.8 lc rgb "
        "\"#7570b3\" notitle\n",
        b);
  } else {
    s += empty_panel("effective dimension not recorded");
  }
  s += kPanelReset;
  s += step_axis(0, static_cast<double>(last_step), false);
  s += "set title \"conservation-law drift (relative, log scale)\"\n"
       "set ylabel \"max_j |X_j(t) − X_j(0)| / mean_j |X_j(0)|\"\n";
  if (have_drift[0] || have_drift[1] || have_drift[2]) {
    double lo = std::numeric_limits<double>::infinity(), hi = 0.0;
    for (const MetricsRow& r : rows) {
      for (const auto& v : {r.drift_q, r.drift_s, r.drift_c}) {
        if (v && *v > 0 && std::isfinite(*v)) {
          lo = std::min(lo, *v);
          hi = std::max(hi, *v);
        }
      }
    }
    // Whole decades, with a quarter of the span above the data for the legend.
    const double d_lo = std::floor(std::log10(lo) - 0.3), d_hi = std::ceil(std::log10(hi));
    const double span = std::max(1.0, d_hi - d_lo);
    s += fmt::format(
        "set logscale y\nset yrange [{}:{}]\nset format y \"10^{{%L}}\"\nset ytics {}\n",
        num(std::pow(10.0, d_lo)), num(std::pow(10.0, d_hi + std::ceil(0.3 * span))),
        span > 8 ? "100" : "10");
    s += "set key top left horizontal Left reverse box opaque samplen 3 font \",10\"\n";
    const char* names[3] = {"Q (rescaling)", "S (shift)", "C (centring)"};
    const char* colours[3] = {"#e7298a", "#66a61e", "#e6ab02"};
    PlotList plot;
    for (int i = 0; i < 3; ++i) {
      if (!have_drift[i]) continue;
      plot.add(fmt::format(
          "\"{}-metrics.dat\" using 1:{} with linespoints pt 7 ps 0.4 lw 1.8 lc rgb \"{}\" "
          "title \"{}\"",
          b, 9 + i, colours[i], names[i]));
    }
    s += plot.command();
  } else {
    s += empty_panel("no drift recorded (all zero or NULL)");
  }
  if (have_hessian) {
    // (6) the Hessian's spectrum at the steps that measured it (spectrum_every).
    s += kPanelReset;
    s += step_axis(0, static_cast<double>(last_step), false);
    s += "set title \"ends of the loss Hessian's spectrum (log scale)\"\n"
         "set ylabel \"eigenvalue\"\nset logscale y\nset format y \"10^{%L}\"\n"
         "set key bottom right horizontal Left reverse box opaque samplen 3 font \",10\"\n";
    s += fmt::format(
        "plot \"{0}-hessian.dat\" using 1:2 with linespoints pt 7 ps 0.5 lw 1.8 lc rgb "
        "\"#1b9e77\" title \"largest λ\", \"{0}-hessian.dat\" using 1:3 with linespoints pt 5 "
        "ps 0.5 lw 1.8 lc rgb \"#d95f02\" title \"−(smallest λ), where < 0\"\n",
        b);
    s += kPanelReset;
    s += step_axis(0, static_cast<double>(last_step), false);
    if (have_density) {
      // The whole spectrum's counts (stochastic Lanczos quadrature, +- one standard error) and
      // its effective dimension; thousands of eigenvalues against a handful: log scale.
      s += "set title \"eigenvalues beyond 10^{-3} of the largest |λ|, whole spectrum "
           "(estimate ± s.e.)\"\n"
           "set ylabel \"count\"\nset logscale y\nset format y \"10^{%L}\"\n"
           "set key bottom right horizontal Left reverse box opaque samplen 3 font \",10\"\n";
      s += fmt::format(
          "plot \"{0}-hessian.dat\" using 1:8:(column(8)-column(9)):(column(8)+column(9)) "
          "with yerrorlines pt 5 ps 0.5 lw 1.8 lc rgb \"#1b9e77\" title \"large\", "
          "\"{0}-hessian.dat\" using 1:(column(6) > 0 ? column(6) : NaN):"
          "(column(6)-column(7)):(column(6)+column(7)) with yerrorlines pt 7 ps 0.5 lw 1.8 "
          "lc rgb \"#d95f02\" title \"negative\", \"{0}-hessian.dat\" using 1:10 with lines "
          "dt 2 lw 1.8 lc rgb \"#7570b3\" title \"effective dimension\"\n",
          b);
    } else {
      s += "set title \"eigenvalues beyond 10^{-3} of the largest |λ|, of the k at each end\"\n"
           "set ylabel \"count\"\nset yrange [0:*]\n"
           "set key bottom right horizontal Left reverse box opaque samplen 3 font \",10\"\n";
      s += fmt::format(
          "plot \"{0}-hessian.dat\" using 1:4 with linespoints pt 7 ps 0.5 lw 1.8 lc rgb "
          "\"#d95f02\" title \"negative\", \"{0}-hessian.dat\" using 1:5 with linespoints "
          "pt 5 ps 0.5 lw 1.8 lc rgb \"#1b9e77\" title \"large\"\n",
          b);
    }
  }
  s += script_tail();
  draw(ctx, b, s);

  std::string caption = html(description);
  // The milestones, in the words of the grokking literature.
  auto when = [&](const Milestone& m, const std::string& what) {
    return m.step >= 0 ? fmt::format("{} at step {}", what, m.step)
                       : fmt::format("{} never within the {} logged steps", what, last_step);
  };
  caption += fmt::format(
      " {}; {}; {} (dotted vertical lines).",
      when(milestones[0], fmt::format("Memorisation: train accuracy first ≥ {:g}", kMemorised)),
      when(milestones[1], fmt::format("the potentials' rise: a drawn {} first ≥ 0.5",
                                      irreps ? "ρ<sub>τ</sub>" : "Re ρ<sub>kkk</sub>")),
      when(milestones[2],
           fmt::format("generalisation: test accuracy first ≥ 1 − ε = {:g}", generalised)));
  caption +=
      " Rows, each on a linear (left) and a log (right) step axis: train and test accuracy; "
      "train and test loss; the potentials; the binary gap.";
  const auto count = static_cast<long>(run.potentials.ks.size());
  const std::string dup = std::count(rho.duplicate_of.begin(), rho.duplicate_of.end(), 0) < count
                              ? "; curves that coincide (k and −k) are drawn once"
                              : "";
  const std::string what = irreps ? "irrep τ ≠ 1" : "frequency k";
  const std::string idx = discrete ? std::string("one key entry each")
                          : irreps ? "colour: the irrep's index"
                                   : "colour: k";
  if (have_rho && rho.with_fits) {
    const core::Theorem2Summary& t2 = run.summary;
    caption += fmt::format(
        " Potentials: {mp} of every {what} ({idx}) with its least-squares fit "
        "1 − exp(−C t), t = lr · step (Theorem 2 of the paper, fitted by <code>symsweep "
        "fit</code>){dup}. Fitted {fitted} of {count} {whats}: median C = {c} per unit t, R² "
        "median {r2}, min {r2min}.",
        fmt::arg("mp", mp_html), fmt::arg("what", what), fmt::arg("idx", idx), fmt::arg("dup", dup),
        fmt::arg("fitted", t2.fitted), fmt::arg("count", t2.per_k.size()),
        fmt::arg("whats", irreps ? "irreps" : "frequencies"), fmt::arg("c", show(t2.median_c)),
        fmt::arg("r2", show(t2.median_r2)), fmt::arg("r2min", show(t2.min_r2)));
    caption += t2.min_r2 >= 0.95
                   ? " Every curve follows the theorem's form closely (R² ≥ 0.95)."
                   : " Curves with R² below 0.95 depart from the theorem's form (real runs often "
                     "rise late and sigmoidally): the run is outside its regime there.";
  } else if (have_rho) {
    caption += fmt::format(
        " Potentials: {mp} of every {what} ({idx}){dup}. No Theorem 2 fit is stored for "
        "this run: run <code>symsweep fit --db {db}</code> first, and the fitted curves "
        "1 − exp(−C t) of Theorem 2 appear here.",
        fmt::arg("mp", mp_html), fmt::arg("what", what), fmt::arg("idx", idx), fmt::arg("dup", dup),
        fmt::arg("db", html(ctx.db_path)));
  } else {
    caption += fmt::format(" {}: no Theorem 2 fit.",
                           html(info.abelian ? "No monomial potentials were logged for this run"
                                             : no_irreps_note(info.group_order)));
  }
  caption +=
      " Binary gap: the largest distance of a tracked MP to its 0/1 target, with the "
      "largest off-target |ρ| (characters) or the off-target energy (irreps). Bottom row: "
      "participation ratio of the particles' second-moment eigenvalues, and the relative drift "
      "of the conserved quantities Q, S, C (docs/conservation.md; weight decay breaks them).";
  if (have_hessian) {
    caption +=
        " Last row, at the steps that measured the loss Hessian's spectrum (spectrum_every, "
        "docs/model.md): its largest eigenvalue and the magnitude of its most negative one, and "
        "how many eigenvalues lie beyond 10<sup>−3</sup> of the largest |λ|: over the whole "
        "spectrum by stochastic Lanczos quadrature (estimate ± one standard error over the "
        "probes, with the effective dimension Σ λ/(λ + cut)) where the run measured it, else "
        "among the spectrum_k at each end (a count equal to spectrum_k means at least that many).";
  }
  Figure fig{b, fmt::format("Run {}", run_id), caption, {b + "-metrics.dat"}};
  if (have_rho) fig.data_files.push_back(b + "-rho.dat");
  if (have_hessian) fig.data_files.push_back(b + "-hessian.dat");
  if (rho.with_fits) {
    for (const char* f : {"-rho-fit.dat", "-theorem2.csv"}) fig.data_files.push_back(b + f);
  }
  ctx.figures.push_back(fig);
}

}  // namespace symsweep::sweeps::report
