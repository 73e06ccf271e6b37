#include "report/report.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <system_error>
#include <vector>

#include "report/data.hpp"
#include "report/figures.hpp"
#include "report/gnuplot.hpp"
#include "report/page.hpp"
#include "report/text.hpp"
#include "store/fit_results.hpp"
#include "store/open_database.hpp"
#include "store/report_data.hpp"
#include "symsweep/core/error.hpp"

namespace symsweep::sweeps::report {

namespace {

namespace fs = std::filesystem;

/// The sweeps to report, after checking that there is something to draw.
std::vector<std::string> sweeps_to_report(Database& db, const ReportOptions& o) {
  if (count_runs(db) == 0) {
    throw InputError(fmt::format(
        "report: --db {}: the database has no runs (run a sweep into it with `symsweep run "
        "SPEC --db {}` first)",
        o.db, o.db));
  }
  std::vector<std::string> sweeps = sweeps_with_runs(db);
  if (!o.sweep.empty()) {
    if (!sweep_exists(db, o.sweep)) {
      throw InputError(fmt::format("report: --sweep {}: no such sweep in {}", o.sweep, o.db));
    }
    if (std::find(sweeps.begin(), sweeps.end(), o.sweep) == sweeps.end()) {
      throw InputError(fmt::format("report: --sweep {}: the sweep has no runs", o.sweep));
    }
    sweeps = {o.sweep};
  }
  if (count_finished_runs(db, sweeps) == 0) {
    throw InputError(
        fmt::format("report: --db {}: no finished runs yet{}; run the sweep (or wait for it) first",
                    o.db, o.sweep.empty() ? "" : " in sweep " + o.sweep));
  }
  if (o.run > 0 && !run_exists(db, o.run)) {
    throw InputError(fmt::format("report: --run {}: no such run in {}", o.run, o.db));
  }
  return sweeps;
}

void make_directory(const fs::path& dir, const std::string& flag_value) {
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_directory(dir, ec)) {
    throw InputError(fmt::format("report: --out {}: exists and is not a directory", flag_value));
  }
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir)) {
    throw Error(fmt::format("report: --out {}: cannot create the directory: {}", flag_value,
                            ec ? ec.message() : "not a directory"));
  }
}

/// The page's parts, in the order they appear: the sweeps' sections, then the runs'.
struct Page {
  std::string body, nav, runs, nav_runs;
  std::set<std::int64_t> runs_drawn;
};

/// The dynamics of run `id`; `why_html` says why it is shown.
void add_run(FigureContext& ctx, Database& db, Page& page, std::int64_t id, double eps,
             const std::string& why_html) {
  if (!page.runs_drawn.insert(id).second) return;
  const RunData run = load_run(db, id);
  run_figure(ctx, run, eps);
  page.runs += fmt::format("<h2 id=\"run-{0}\">Run {0}: dynamics and Theorem 2</h2>\n", id);
  page.runs += "<p class=\"why\">" + why_html + "</p>\n" + figure_html(ctx.figures.back()) +
               theorem2_html(run);
  page.nav_runs += fmt::format("<li><a href=\"#run-{0}\">Run {0}</a></li>\n", id);
}

/// The section of one sweep: per stratum its phase diagram and N* figures, then the fit tables.
void add_sweep(FigureContext& ctx, Database& db, Page& page, const SweepData& d,
               const std::string& name) {
  std::string& body = page.body;
  body += fmt::format("<h2 id=\"sweep-{}\">Sweep “{}”</h2>\n", html(name), html(d.name));
  page.nav +=
      fmt::format("<li><a href=\"#sweep-{}\">Sweep “{}”</a></li>\n", html(name), html(d.name));
  body += fmt::format(
      "<p class=\"meta\">{} runs, {} finished; {} {} (cells that share every setting but the "
      "group, the augmentation and the data fraction).</p>\n",
      d.runs.size(), d.finished, d.strata.size(), d.strata.size() == 1 ? "stratum" : "strata");
  if (!d.eps_note.empty()) body += note_html(d.eps_note);
  if (d.finished == 0) body += note_html("No finished runs in this sweep yet: nothing to draw.");
  if (d.critical.empty()) {
    body += note_html(fmt::format(
        "No critical fractions or scaling-law fits for this sweep: run <code>symsweep fit "
        "--db {} --sweep {}</code> first. The N* figures and the fit tables appear after it.",
        html(ctx.db_path), html(d.name)));
  }
  // Accuracy against data fraction first, one figure per set of training settings: strata that
  // differ only in the group family share its axes.
  std::map<std::string, Stratum> by_settings;
  for (const auto& [key, st] : d.strata) {
    Stratum& merged =
        by_settings[settings_key(st.runs.empty() ? CellSettings{} : st.runs.front().key.settings)];
    merged.runs.insert(merged.runs.end(), st.runs.begin(), st.runs.end());
    merged.critical.insert(merged.critical.end(), st.critical.begin(), st.critical.end());
  }
  int ai = 0;
  for (auto& [key, merged] : by_settings) {
    merged.key = key;
    std::string note;
    const std::string base =
        by_settings.size() == 1 ? name + "-acc" : fmt::format("{}-acc{}", name, ++ai);
    if (accuracy_figure(ctx, base, d.name, merged, d.eps, !d.critical.empty(), &note)) {
      body += figure_html(ctx.figures.back());
    } else {
      body += note_html(html(note));
    }
  }
  int si = 0;
  for (const auto& [key, st] : d.strata) {
    const std::string base = d.strata.size() == 1 ? name : fmt::format("{}-s{}", name, ++si);
    body += d.strata.size() > 1 ? "<h3>Stratum <code>" + html(key) + "</code></h3>\n"
                                : "<p>Stratum: <code>" + html(key) + "</code></p>\n";
    std::string note;
    if (phase_figure(ctx, base + "-phase", d.name, st, d.eps, &note)) {
      body += figure_html(ctx.figures.back());
    } else {
      body += note_html(html(note));
    }
    if (!d.critical.empty()) {
      std::string note_n, note_h;
      const std::size_t mark = ctx.figures.size();
      nstar_figures(ctx, base, d.name, st, d.eps, &note_n, &note_h);
      for (std::size_t i = mark; i < ctx.figures.size(); ++i) body += figure_html(ctx.figures[i]);
      if (!note_n.empty()) body += note_html(note_n);
      if (!note_h.empty() && note_h != note_n) body += note_html(note_h);
    }
    const std::vector<CellPotentials> cells = load_cell_potentials(db, st);
    if (!cells.empty()) {
      body += fmt::format(
          "<details class=\"cells\"><summary>The potentials across data fractions, per cell ({} "
          "{})</summary>\n",
          cells.size(), cells.size() == 1 ? "cell" : "cells");
      for (std::size_t i = 0; i < cells.size(); ++i) {
        cell_figure(ctx, fmt::format("{}-cell{}-rho", base, i + 1), d.name, cells[i],
                    critical_of(d.critical, cells[i].cell, d.eps));
        body += figure_html(ctx.figures.back());
      }
      body += "</details>\n";
    }
  }
  body += fit_tables_html(d, name, ctx.dir);
}

/// Why the default dynamics run of a sweep is shown (HTML).
std::string why(const DynamicsChoice& c, const std::string& sweep) {
  const std::string cell = fmt::format("<code>{}</code>", html(c.cell));
  if (!c.generalised) {
    return fmt::format(
        "No run of sweep “{}” generalises (rule: {}): shown is the run with the median final "
        "test accuracy of cell {}, the cell with the most finished runs. Choose another with "
        "<code>--run ID</code>.",
        html(sweep), c.rule, cell);
  }
  return fmt::format(
      "The default dynamics of sweep “{}”: a run that generalises, the median by data fraction "
      "(ties: by final test accuracy) of the {} generalising runs {} of cell {} (the cell with a "
      "generalising run and the most finished runs; ties: abelian groups, then the larger "
      "group). Generalising: {}. Choose another with <code>--run ID</code>.",
      html(sweep), c.generalising.size(), id_ranges(c.generalising), cell, c.rule);
}

}  // namespace

ReportWritten write_report(const ReportOptions& o) {
  const auto db_ptr = open_existing_results(o.db, "report", "--db");
  Database& db = *db_ptr;
  db.restrict_to_reading();
  const std::vector<std::string> sweeps = sweeps_to_report(db, o);
  const bool with_fits = has_fit_tables(db);

  FigureContext ctx;
  ctx.gnuplot = find_gnuplot(o.gnuplot);
  ctx.db_path = o.db;
  ctx.dir = o.out;
  make_directory(ctx.dir, o.out);

  Page page;
  double run_eps = o.eps > 0 ? o.eps : kDefaultEps;
  std::set<std::string> used_names;
  for (const std::string& sweep : sweeps) {
    std::string name = slug(sweep);
    for (int i = 2; used_names.count(name) > 0; ++i) name = slug(sweep) + "-" + std::to_string(i);
    used_names.insert(name);
    const SweepData d = load_sweep(db, sweep, o.eps, with_fits);
    add_sweep(ctx, db, page, d, name);
    run_eps = d.eps;
    if (o.run != 0) continue;
    if (const auto choice = dynamics_run(d))
      add_run(ctx, db, page, choice->id, d.eps, why(*choice, sweep));
  }
  if (o.run > 0) add_run(ctx, db, page, o.run, run_eps, "The run chosen with --run.");

  const int figures = static_cast<int>(ctx.figures.size());
  write_file(ctx.dir / "index.html",
             page_html(o.db, figures, page.nav + page.nav_runs, page.body + page.runs));
  return {figures, (ctx.dir / "index.html").string()};
}

}  // namespace symsweep::sweeps::report
