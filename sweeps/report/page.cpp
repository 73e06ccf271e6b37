#include "report/page.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <tuple>
#include <vector>

#include "store/store.hpp"
#include "report/text.hpp"

namespace symsweep::sweeps::report {

namespace {

constexpr const char* kStyle = R"css(
body { font-family: "DejaVu Sans", "Helvetica Neue", Arial, sans-serif; color: #222;
       max-width: 1180px; margin: 2em auto; padding: 0 1.2em; line-height: 1.45; }
h1 { font-size: 1.7em; margin-bottom: 0.2em; }
h2 { border-bottom: 2px solid #ccc; padding-bottom: 0.2em; margin-top: 2.2em; }
h3 { margin-top: 1.6em; }
.meta { color: #666; font-size: 0.92em; }
figure { margin: 1.4em 0; padding: 0.8em; border: 1px solid #e3e3e3; border-radius: 6px;
         background: #fcfcfc; }
figure img { max-width: 100%; height: auto; display: block; margin: 0 auto; }
figcaption { margin-top: 0.6em; font-size: 0.95em; }
figcaption .files { display: block; margin-top: 0.3em; color: #666; font-size: 0.88em; }
.note { background: #fff6dd; border-left: 4px solid #e6ab02; padding: 0.6em 0.9em; margin: 1em 0; }
table { border-collapse: collapse; font-size: 0.88em; margin: 0.6em 0 1.2em; }
th, td { border: 1px solid #d5d5d5; padding: 0.25em 0.55em; text-align: left; }
th { background: #f0f0f0; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.null { color: #999; text-align: center; }
tbody tr:nth-child(even) { background: #fafafa; }
details summary { cursor: pointer; color: #225; margin: 0.5em 0; }
code { background: #f2f2f2; padding: 0 0.25em; border-radius: 3px; }
nav ul { columns: 2; }
)css";

/// An HTML table: missing values as "–", reals with 4 significant digits.
class HtmlTable {
 public:
  explicit HtmlTable(const std::vector<std::string>& header) {
    text_ = "<table>\n<thead><tr>";
    for (const std::string& h : header) text_ += "<th>" + html(h) + "</th>";
    text_ += "</tr></thead>\n<tbody>\n";
  }
  HtmlTable& cell(const std::string& s) {
    open();
    text_ += "<td>" + html(s) + "</td>";
    return *this;
  }
  HtmlTable& cell(const std::optional<double>& v) {
    open();
    text_ += v ? fmt::format("<td class=\"num\">{}</td>", show(*v, 4)) : kNull;
    return *this;
  }
  HtmlTable& cell(std::int64_t v) {
    open();
    text_ += fmt::format("<td class=\"num\">{}</td>", v);
    return *this;
  }
  HtmlTable& cell(const std::optional<std::int64_t>& v) { return v ? cell(*v) : null(); }
  HtmlTable& cell(const std::optional<std::string>& s) { return s ? cell(*s) : null(); }
  HtmlTable& null() {
    open();
    text_ += kNull;
    return *this;
  }
  void end_row() {
    text_ += "</tr>\n";
    in_row_ = false;
    ++rows_;
  }
  int rows() const { return rows_; }
  std::string text() const { return text_ + "</tbody>\n</table>\n"; }

 private:
  static constexpr const char* kNull = "<td class=\"null\">–</td>";
  void open() {
    if (!in_row_) text_ += "<tr>";
    in_row_ = true;
  }
  std::string text_;
  bool in_row_ = false;
  int rows_ = 0;
};

/// The law fits of a sweep by stratum (rows without one first), then by model
/// (`models_descending`: n_log_n before power, rows without one last), then as stored.
std::vector<const FitParameterRow*> sorted_fits(const std::vector<FitParameterRow>& fits,
                                                bool models_descending) {
  std::vector<const FitParameterRow*> out;
  out.reserve(fits.size());
  for (const FitParameterRow& f : fits) out.push_back(&f);
  std::stable_sort(out.begin(), out.end(), [&](const FitParameterRow* a, const FitParameterRow* b) {
    if (a->stratum != b->stratum) return a->stratum < b->stratum;
    return models_descending ? b->model < a->model : a->model < b->model;
  });
  return out;
}

std::string fits_table(const SweepData& d) {
  const bool with_stratum = d.strata.size() > 1;  // shown above each stratum's figures otherwise
  std::vector<std::string> header = {"law",      "parameter", "estimate", "95% low",
                                     "95% high", "R²",        "cells",    "preferred",
                                     "from f* intervals", "weak because"};
  if (with_stratum) header.insert(header.begin(), "stratum");
  HtmlTable t(header);
  for (const FitParameterRow* f : sorted_fits(d.fits, true)) {
    if (with_stratum) t.cell(f->stratum);
    t.cell(f->law).cell(f->parameter).cell(f->estimate).cell(f->low).cell(f->high).cell(f->r2);
    t.cell(f->cells).cell(std::string(f->preferred.value_or(false) ? "yes" : ""));
    t.cell(f->fstar_share).cell(f->warnings);
    t.end_row();
  }
  if (t.rows() == 0) {
    return note_html(
        "No law could be fitted (too few uncensored cells); see the critical fractions below.");
  }
  return "<p>From the <code>fits</code> table (<code>symsweep fit</code>): N* = C "
         "n<sup>α</sup> |H|<sup>−γ</sup> ε<sup>−β</sup> and N* = C n ln n "
         "|H|<sup>−γ</sup> ε<sup>−β</sup>, least squares in log N* over every ε, with "
         "95&nbsp;% intervals that include the cells' own f* intervals (“from f* intervals”: the share of the interval's variance they account for); “preferred” by AICc; a law the data do not support says why. The paper predicts γ = 1; "
         "Tian predicts α ≈ 1 with a log correction.</p>\n" +
         t.text();
}

std::string fits_csv(const SweepData& d) {
  CsvTable t({"sweep", "stratum", "model", "law", "parameter", "estimate", "low", "high", "r2",
              "cells", "preferred", "created", "fstar_share", "warnings"});
  for (const FitParameterRow* f : sorted_fits(d.fits, false)) {
    t.field(f->sweep).field(f->stratum).field(f->model).field(f->law).field(f->parameter);
    t.field(f->estimate).field(f->low).field(f->high).field(f->r2).field(f->cells);
    if (f->preferred) {
      t.field(*f->preferred ? 1 : 0);
    } else {
      t.null();
    }
    t.field(f->created).field(f->fstar_share).field(f->warnings).end_row();
  }
  return t.text();
}

/// The critical fractions by stratum, eps descending, n, |H| and group; `rows` their count.
std::string critical_table(const SweepData& d, int* rows) {
  std::vector<const Critical*> sorted;
  sorted.reserve(d.critical.size());
  for (const Critical& c : d.critical) sorted.push_back(&c);
  std::stable_sort(sorted.begin(), sorted.end(), [](const Critical* a, const Critical* b) {
    const CriticalFractionRow &x = a->stored, &y = b->stored;
    return std::tie(a->stratum, y.eps, x.group_order, x.augment_order, x.group_spec) <
           std::tie(b->stratum, x.eps, y.group_order, y.augment_order, y.group_spec);
  });
  HtmlTable t({"group", "n", "augment", "|H|", "width", "ε", "f*", "95% low", "95% high", "N*",
               "censoring", "runs", "seeds"});
  for (const Critical* c : sorted) {
    const CriticalFractionRow& r = c->stored;
    const double n2 = static_cast<double>(r.group_order) * r.group_order;
    t.cell(r.group_spec).cell(std::int64_t{r.group_order}).cell(r.augment);
    t.cell(std::int64_t{r.augment_order}).cell(r.width).cell(std::optional<double>(r.eps));
    t.cell(r.estimate).cell(r.low).cell(r.high);
    t.cell(r.estimate ? std::optional<double>(*r.estimate * n2) : std::nullopt);
    t.cell(r.censoring).cell(r.runs).cell(r.seeds);
    t.end_row();
  }
  *rows = t.rows();
  return t.text();
}

std::string critical_csv(const SweepData& d) {
  CsvTable t({"sweep", "cell", "group_spec", "group_order", "augment", "augment_order", "width",
              "eps", "estimate", "low", "high", "censoring", "reason", "runs", "seeds", "created"});
  for (const Critical& c : d.critical) {
    const CriticalFractionRow& r = c.stored;
    t.field(r.sweep).field(r.cell).field(r.group_spec).field(r.group_order).field(r.augment);
    t.field(r.augment_order).field(r.width).field(r.eps).field(r.estimate).field(r.low);
    t.field(r.high).field(r.censoring).field(r.reason).field(r.runs).field(r.seeds);
    t.field(r.created).end_row();
  }
  return t.text();
}

}  // namespace

std::string figure_html(const Figure& f) {
  std::string files = fmt::format(
      "<a href=\"{0}.svg\">SVG</a> · <a href=\"{0}.png\">PNG</a> · script "
      "<a href=\"{0}.gp\">{0}.gp</a>",
      html(f.base));
  for (const std::string& d : f.data_files) {
    files += fmt::format(" · data <a href=\"{0}\">{0}</a>", html(d));
  }
  return fmt::format(
      "<figure id=\"{0}\">\n<a href=\"{0}.svg\"><img src=\"{0}.png\" alt=\"{1}\"></a>\n"
      "<figcaption><b>{1}.</b> {2}<span class=\"files\">{3}</span></figcaption>\n</figure>\n",
      html(f.base), html(f.title), f.caption_html, files);
}

std::string note_html(const std::string& text) { return "<p class=\"note\">" + text + "</p>\n"; }

std::string fit_tables_html(const SweepData& d, const std::string& name,
                            const std::filesystem::path& dir) {
  if (d.critical.empty()) return "";
  std::string s = "<h3>Scaling-law fits</h3>\n" + fits_table(d);
  write_file(dir / (name + "-fits.csv"), fits_csv(d));
  int rows = 0;
  const std::string table = critical_table(d, &rows);
  s += fmt::format(
      "<details><summary>Critical fractions f*(ε) of every cell ({} rows; also in "
      "<a href=\"{}-critical_fractions.csv\">{}-critical_fractions.csv</a>, fits in "
      "<a href=\"{}-fits.csv\">{}-fits.csv</a>)</summary>\n<p>A missing f* is censored: the "
      "accuracy never crosses 1 − ε inside the fraction grid (“right”) or already has at its "
      "smallest fraction (“left”). A 95% low of 0 or a missing 95% high: the bootstrap "
      "interval leaves the grid.</p>\n{}</details>\n",
      rows, html(name), html(name), html(name), html(name), table);
  write_file(dir / (name + "-critical_fractions.csv"), critical_csv(d));
  return s;
}

std::string theorem2_html(const RunData& run) {
  if (run.theorem2.empty()) return "";
  std::string s = fmt::format(
      "<details><summary>Theorem 2 fit per frequency ({} frequencies, stored by <code>symsweep "
      "fit</code>; also in <a href=\"run-{}-theorem2.csv\">run-{}-theorem2.csv</a>)</summary>\n",
      run.theorem2.size(), run.id, run.id);
  s += "<table>\n<thead><tr><th>k</th><th>C<sub>k</sub></th><th>R²</th><th>rmse</th>"
       "<th>points</th></tr></thead>\n<tbody>\n";
  for (const Theorem2Row& r : run.theorem2) {
    const core::Theorem2Fit& f = r.fit;
    s += fmt::format(
        "<tr><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>"
        "<td class=\"num\">{}</td><td class=\"num\">{}</td></tr>\n",
        f.k, show(f.c, 4), show(f.r2, 4), show(f.rmse, 3), f.points);
  }
  return s + "</tbody>\n</table>\n</details>\n";
}

std::string page_html(const std::string& db_path, int figures, const std::string& nav,
                      const std::string& body) {
  return fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<title>symsweep report: {title}</title>\n<style>{style}</style>\n</head>\n<body>\n"
      "<h1>symsweep report</h1>\n<p class=\"meta\">Database <code>{db}</code> · written {now} · "
      "{figs} figures. Each figure links to its SVG, its gnuplot script and its data; edit a "
      "script and run <code>gnuplot NAME.gp</code> in this directory to redraw it.</p>\n"
      "<nav><ul>\n{nav}</ul></nav>\n{body}</body>\n</html>\n",
      fmt::arg("title", html(std::filesystem::path(db_path).filename().string())),
      fmt::arg("style", kStyle), fmt::arg("db", html(db_path)), fmt::arg("now", utc_now()),
      fmt::arg("figs", figures), fmt::arg("nav", nav), fmt::arg("body", body));
}

}  // namespace symsweep::sweeps::report
