#include "commands/report_command.hpp"

#include <fmt/core.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "symsweep/core/error.hpp"
#include "symsweep/core/statistics.hpp"
#include "symsweep/core/theorem2.hpp"
#include "store/open_database.hpp"
#include "commands/query_commands.hpp"
#include "store/sqlite.hpp"
#include "store/store.hpp"

namespace symsweep::sweeps {

namespace {

namespace fs = std::filesystem;
using core::median;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kDefaultEps = 0.1;
/// Qualitative colours (ColorBrewer Dark2) for the series of the N* figures.
constexpr const char* kSeriesColours[] = {"#1b9e77", "#d95f02", "#7570b3", "#e7298a",
                                          "#66a61e", "#e6ab02", "#a6761d", "#666666"};
/// A perceptually uniform palette (viridis) for accuracies and frequency indices.
constexpr const char* kViridis =
    "set palette defined (0 '#440154', 0.125 '#472d7b', 0.25 '#3b528b', 0.375 '#2c728e', "
    "0.5 '#21918c', 0.625 '#28ae80', 0.75 '#5ec962', 0.875 '#addc30', 1 '#fde725')";
constexpr const char* kFont = "DejaVu Sans";

// ---------------------------------------------------------------------------------------------
// Text helpers

/// A number for data files and scripts ("NaN" for a missing value, which gnuplot skips).
std::string num(double v) { return std::isfinite(v) ? fmt::format("{:.10g}", v) : "NaN"; }
std::string num(const std::optional<double>& v) { return v ? num(*v) : "NaN"; }

/// A number for people: 3 significant digits.
std::string show(double v, int digits = 3) {
  if (!std::isfinite(v)) return std::isnan(v) ? "–" : (v > 0 ? "∞" : "−∞");
  return fmt::format("{:.{}g}", v, digits);
}

/// The content of a gnuplot double-quoted string whose text is shown literally in enhanced mode.
std::string gp_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\\\\\";
        break;
      case '^':
      case '_':
      case '@':
      case '&':
      case '~':
      case '{':
      case '}':
        out += "\\\\";
        out += c;
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out += c;
    }
  }
  return out;
}

/// A gnuplot double-quoted string whose text is shown literally in enhanced mode.
std::string gp_text(const std::string& s) { return "\"" + gp_escape(s) + "\""; }

std::string html(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

/// A file-name-safe form of a sweep name.
std::string slug(const std::string& s) {
  std::string out;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.';
    out += ok ? c : '_';
  }
  return out.empty() ? "sweep" : out;
}

/// Ticks of a log axis at 1, 2, 5 x 10^k inside [lo, hi] (`dense`: 1, 1.5, 2, 3, 5, 7).
std::string log_tics(double lo, double hi, bool dense = false) {
  std::vector<double> tics;
  const std::vector<double> mantissas = dense ? std::vector<double>{1.0, 1.5, 2.0, 3.0, 5.0, 7.0}
                                              : std::vector<double>{1.0, 2.0, 5.0};
  for (int e = static_cast<int>(std::floor(std::log10(lo))) - 1;
       e <= static_cast<int>(std::ceil(std::log10(hi))); ++e) {
    for (double m : mantissas) {
      const double v = m * std::pow(10.0, e);
      if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) tics.push_back(v);
    }
  }
  std::string out;
  for (double v : tics) out += fmt::format("{}\"{:g}\" {:.10g}", out.empty() ? "" : ", ", v, v);
  return "(" + out + ")";
}

/// log_tics with at least four ticks when the range allows: denser mantissas on a short range.
std::string enough_log_tics(double lo, double hi) {
  const std::string t = log_tics(lo, hi);
  return std::count(t.begin(), t.end(), ',') < 3 ? log_tics(lo, hi, true) : t;
}

/// Ticks at the given values (e.g. the group orders present), labelled with the integer.
std::string value_tics(const std::set<int>& values) {
  std::string out;
  for (int v : values) out += fmt::format("{}\"{}\" {}", out.empty() ? "" : ", ", v, v);
  return "(" + out + ")";
}

// ---------------------------------------------------------------------------------------------
// Files and gnuplot

void write_file(const fs::path& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << text;
  f.close();
  if (!f) throw Error(fmt::format("report: cannot write \"{}\"", path.string()));
}

/// The gnuplot program to run: `name` itself when it contains '/', else the first executable
/// `name` on PATH. Throws Error naming the program and the package when there is none.
std::string find_gnuplot(const std::string& name) {
  const std::string hint = fmt::format(
      "report: gnuplot (\"{}\") was not found; the report draws its figures with it: install "
      "it, e.g. `apt-get install gnuplot-nox`",
      name);
  if (name.find('/') != std::string::npos) {
    if (::access(name.c_str(), X_OK) == 0) return name;
    throw Error(hint);
  }
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    const fs::path p = fs::path(dir.empty() ? "." : dir) / name;
    if (::access(p.c_str(), X_OK) == 0 && fs::is_regular_file(p)) return p.string();
  }
  throw Error(hint);
}

/// The top and tail of every script: draws the same body once per output format, so the
/// script is run again unchanged after an edit (`gnuplot NAME.gp` in the report directory).
std::string script_head(const std::string& base, const std::string& what, int width, int height) {
  return fmt::format(
      "# symsweep report: {what}\n"
      "# Re-run in this directory with `gnuplot {base}.gp`: writes {base}.png and {base}.svg.\n"
      "set encoding utf8\n"
      "do for [ext in \"png svg\"] {{\n"
      "if (ext eq \"png\") {{\n"
      "  set terminal pngcairo size {w},{h} enhanced font \"{font},11\" linewidth 1.2\n"
      "}} else {{\n"
      "  set terminal svg size {w},{h} enhanced font \"{font},11\" linewidth 1.2 dynamic "
      "background \"white\"\n"
      "}}\n"
      "set output \"{base}.\".ext\n"
      "reset\n"
      "set datafile missing \"NaN\"\n"
      "set border lw 1\n"
      "set grid back lc rgb \"#dddddd\" lw 1\n",
      fmt::arg("what", what), fmt::arg("base", base), fmt::arg("w", width), fmt::arg("h", height),
      fmt::arg("font", kFont));
}

std::string script_tail() { return "unset multiplot\nset output\n}\n"; }

/// Screen-fraction margins of the panels of a figure: a grid of `cols` columns, panel i at row
/// i / cols. Sizes in pixels.
struct PanelGrid {
  int cols = 1, rows = 1;
  int panel_w = 400, panel_h = 330;
  int left = 90, right = 40, top = 80, bottom = 70, hgap = 90, vgap = 90;

  int width() const { return left + cols * panel_w + (cols - 1) * hgap + right; }
  int height() const { return top + rows * panel_h + (rows - 1) * vgap + bottom; }
  /// "set lmargin ...; set rmargin ...; ..." for panel i.
  std::string margins(int i) const {
    const int c = i % cols, r = i / cols;
    const double w = width(), h = height();
    const double l = (left + c * (panel_w + hgap)) / w;
    const double rr = (left + c * (panel_w + hgap) + panel_w) / w;
    const double t = 1.0 - (top + r * (panel_h + vgap)) / h;
    const double b = 1.0 - (top + r * (panel_h + vgap) + panel_h) / h;
    return fmt::format(
        "set lmargin at screen {:.5f}; set rmargin at screen {:.5f}; set tmargin at screen "
        "{:.5f}; set bmargin at screen {:.5f}\n",
        l, rr, t, b);
  }
  /// A colour box to the right of panel i, as tall as the panel.
  std::string colorbox_right_of(int i, int offset = 18) const {
    const int c = i % cols, r = i / cols;
    const double w = width(), h = height();
    const double x = (left + c * (panel_w + hgap) + panel_w + offset) / w;
    const double b = 1.0 - (top + r * (panel_h + vgap) + panel_h) / h;
    return fmt::format(
        "set colorbox user origin screen {:.5f}, screen {:.5f} size screen {:.5f}, screen {:.5f}\n",
        x, b, 16.0 / w, panel_h / h);
  }
};

/// One panel with its legend below the x label, in one column of `key_rows` entries.
PanelGrid key_below_layout(int key_rows) {
  PanelGrid g;
  g.panel_w = 700;
  g.panel_h = 430;
  g.left = 100;
  g.right = 50;
  g.top = 80;
  g.bottom = 80 + 18 * key_rows + 12;
  return g;
}
/// The legend of key_below_layout: left-aligned with the plot, under the x label.
std::string key_below(const PanelGrid& g) {
  return fmt::format(
      "set key at screen {:.5f}, screen {:.5f} left top Left reverse box spacing 1.1 "
      "font \",10\"\n",
      static_cast<double>(g.left) / g.width(),
      1.0 - static_cast<double>(g.top + g.panel_h + 68) / g.height());
}

/// Runs `base`.gp with gnuplot in `dir` and checks that it wrote `base`.png and `base`.svg.
/// Warnings are passed on to stderr; a failure throws Error with gnuplot's message.
void run_gnuplot(const std::string& gnuplot, const fs::path& dir, const std::string& base) {
  const fs::path log = dir / (base + ".gnuplot.log");
  const std::string cmd =
      fmt::format("cd {} && {} {} > {} 2>&1", shell_quote(dir.string()), shell_quote(gnuplot),
                  shell_quote(base + ".gp"), shell_quote(log.filename().string()));
  const int status = std::system(cmd.c_str());
  std::string messages;
  {
    std::ifstream f(log);
    messages.assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
  }
  std::error_code ec;
  fs::remove(log, ec);
  while (!messages.empty() && (messages.back() == '\n' || messages.back() == ' ')) {
    messages.pop_back();
  }
  const bool ok = status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
  if (!ok) {
    throw Error(fmt::format("report: gnuplot failed on \"{}\": {}", (dir / (base + ".gp")).string(),
                            messages.empty() ? "no message" : messages));
  }
  if (!messages.empty()) {
    fmt::print(stderr, "report: gnuplot {}.gp: {}\n", base, messages);
  }
  for (const char* ext : {".png", ".svg"}) {
    const fs::path p = dir / (base + ext);
    if (!fs::exists(p) || fs::file_size(p) == 0) {
      throw Error(fmt::format("report: gnuplot did not write \"{}\"", p.string()));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// HTML tables through the query commands' RowWriter interface

/// Writes a result set as an HTML table into a string (NULL as "–", reals with 4 digits).
class HtmlTableWriter : public RowWriter {
 public:
  explicit HtmlTableWriter(std::string& out) : out_(out) {}
  void begin(const std::vector<std::string>& columns) override {
    out_ += "<table>\n<thead><tr>";
    for (const std::string& c : columns) out_ += "<th>" + html(c) + "</th>";
    out_ += "</tr></thead>\n<tbody>\n";
  }
  void row(const std::vector<SqlValue>& values) override {
    out_ += "<tr>";
    for (const SqlValue& v : values) {
      if (std::holds_alternative<std::monostate>(v)) {
        out_ += "<td class=\"null\">–</td>";
      } else if (const auto* i = std::get_if<std::int64_t>(&v)) {
        out_ += fmt::format("<td class=\"num\">{}</td>", *i);
      } else if (const auto* d = std::get_if<double>(&v)) {
        out_ += fmt::format("<td class=\"num\">{}</td>", show(*d, 4));
      } else {
        out_ += "<td>" + html(std::get<std::string>(v)) + "</td>";
      }
    }
    out_ += "</tr>\n";
  }
  void end() override { out_ += "</tbody>\n</table>\n"; }

 private:
  std::string& out_;
};

/// Runs one query with text bindings ?1, ?2 ... into `out`; returns the number of rows.
int query_into(Database& db, const std::string& sql, const std::vector<std::string>& binds,
               RowWriter& out) {
  Statement s = db.prepare(sql);
  for (std::size_t i = 0; i < binds.size(); ++i) s.bind(static_cast<int>(i + 1), binds[i]);
  std::vector<std::string> columns;
  for (int c = 0; c < s.columns(); ++c) columns.push_back(s.name(c));
  out.begin(columns);
  int rows = 0;
  while (s.step()) {
    std::vector<SqlValue> values;
    for (int c = 0; c < s.columns(); ++c) {
      switch (s.type(c)) {
        case SQLITE_NULL:
          values.emplace_back(std::monostate{});
          break;
        case SQLITE_INTEGER:
          values.emplace_back(s.integer(c));
          break;
        case SQLITE_FLOAT:
          values.emplace_back(s.real(c));
          break;
        default:
          values.emplace_back(s.text(c));
      }
    }
    out.row(values);
    ++rows;
  }
  out.end();
  return rows;
}

/// The same query as a CSV file (the query commands' CSV writer).
void query_to_csv(Database& db, const std::string& sql, const std::vector<std::string>& binds,
                  const fs::path& path) {
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr) {
    throw Error(
        fmt::format("report: cannot write \"{}\": {}", path.string(), std::strerror(errno)));
  }
  {
    auto w = make_row_writer(OutputFormat::kCsv, f);
    query_into(db, sql, binds, *w);
  }
  if (std::fclose(f) != 0) throw Error(fmt::format("report: cannot write \"{}\"", path.string()));
}

// ---------------------------------------------------------------------------------------------
// What the report reads

/// A run as the report sees it. `stratum` and `cell` are formed exactly as `symsweep fit`
/// forms them, so that they match the `fits.stratum` and `critical_fractions.cell` columns.
struct RunRow {
  std::int64_t id = 0;
  std::string status, group_spec, augment, stratum, cell;
  int order = 0, augment_order = 1;
  bool abelian = false;
  double fraction = 0.0, lr = 0.0;
  std::optional<double> test_acc;
};

std::vector<RunRow> sweep_runs(Database& db, const std::string& sweep) {
  Statement s = db.prepare(
      "SELECT runs.id, status, group_spec, group_order, abelian, augment, augment_order, width, "
      "optimizer, lr, weight_decay, init_scale, steps, precision, data_fraction, test_acc FROM "
      "runs JOIN sweep_runs ON sweep_runs.run_id = runs.id JOIN sweeps ON sweeps.id = "
      "sweep_runs.sweep_id WHERE sweeps.name = ?1 ORDER BY runs.id");
  s.bind(1, sweep);
  std::vector<RunRow> rows;
  while (s.step()) {
    RunRow r;
    r.id = s.integer(0);
    r.status = s.text(1);
    r.group_spec = s.text(2);
    r.order = static_cast<int>(s.integer(3));
    r.abelian = s.integer(4) != 0;
    r.augment = s.text(5);
    r.augment_order = static_cast<int>(s.integer(6));
    const std::string family = r.group_spec.substr(0, r.group_spec.find(':'));
    r.stratum =
        fmt::format("{} width={} {} lr={} wd={} s={} steps={} {}", family, s.integer(7), s.text(8),
                    s.real(9), s.real(10), s.real(11), s.integer(12), s.text(13));
    r.cell = fmt::format("{} {} | {}", r.group_spec, r.augment, r.stratum);
    r.lr = s.real(9);
    r.fraction = s.real(14);
    r.test_acc = s.opt_real(15);
    rows.push_back(std::move(r));
  }
  return rows;
}

/// One row of `critical_fractions`. `low` = 0 / `high` missing mean the bootstrap interval left
/// the grid (docs/scaling-laws.md); both missing: no interval.
struct CriticalRow {
  std::string stratum, group_spec, augment, censoring;
  int order = 0, augment_order = 1;
  double eps = 0.0;
  std::optional<double> estimate, low, high;
};

std::vector<CriticalRow> critical_rows(Database& db, const std::string& sweep) {
  Statement s = db.prepare(
      "SELECT cell, group_spec, group_order, augment, augment_order, eps, estimate, low, high, "
      "censoring FROM critical_fractions WHERE sweep = ?1 ORDER BY rowid");
  s.bind(1, sweep);
  std::vector<CriticalRow> rows;
  while (s.step()) {
    CriticalRow r;
    const std::string cell = s.text(0);
    const std::size_t bar = cell.find(" | ");
    r.stratum = bar == std::string::npos ? "" : cell.substr(bar + 3);
    r.group_spec = s.text(1);
    r.order = static_cast<int>(s.integer(2));
    r.augment = s.text(3);
    r.augment_order = static_cast<int>(s.integer(4));
    r.eps = s.real(5);
    r.estimate = s.opt_real(6);
    r.low = s.opt_real(7);
    r.high = s.opt_real(8);
    r.censoring = s.text(9);
    rows.push_back(std::move(r));
  }
  return rows;
}

/// A fitted law of one stratum (rows of `fits` with one model).
struct Law {
  std::string formula;
  double r2 = kNaN;
  int cells = 0;
  bool preferred = false;
  struct Parameter {
    double estimate = 0.0, low = kNaN, high = kNaN;
  };
  std::map<std::string, Parameter> parameters;

  /// The parameter, or {0, 0, 0} for an exponent the law does not have (its variable did not
  /// vary); missing interval ends are the estimate (no band from that term).
  Parameter get(const std::string& name) const {
    const auto it = parameters.find(name);
    if (it == parameters.end()) return {0.0, 0.0, 0.0};
    Parameter p = it->second;
    if (!std::isfinite(p.low)) p.low = p.estimate;
    if (!std::isfinite(p.high)) p.high = p.estimate;
    return p;
  }
};

/// Fitted laws of a sweep by stratum and model ("power", "n_log_n").
std::map<std::string, std::map<std::string, Law>> fitted_laws(Database& db,
                                                              const std::string& sweep) {
  Statement s = db.prepare(
      "SELECT stratum, model, law, parameter, estimate, low, high, r2, cells, preferred FROM fits "
      "WHERE sweep = ?1 AND stratum IS NOT NULL AND model IS NOT NULL ORDER BY id");
  s.bind(1, sweep);
  std::map<std::string, std::map<std::string, Law>> out;
  while (s.step()) {
    Law& law = out[s.text(0)][s.text(1)];
    law.formula = s.text(2);
    law.r2 = s.opt_real(7).value_or(kNaN);
    law.cells = static_cast<int>(s.integer(8));
    law.preferred = !s.is_null(9) && s.integer(9) != 0;
    law.parameters[s.text(3)] = {s.real(4), s.opt_real(5).value_or(kNaN),
                                 s.opt_real(6).value_or(kNaN)};
  }
  return out;
}

/// Whether `table` has `column` (older schema versions lack some).
bool has_column(Database& db, const std::string& table, const std::string& column) {
  Statement s = db.prepare("SELECT * FROM " + table + " LIMIT 0");
  for (int c = 0; c < s.columns(); ++c) {
    if (s.name(c) == column) return true;
  }
  return false;
}

bool has_table(Database& db, const std::string& name) {
  Statement s = db.prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1");
  s.bind(1, name);
  s.step();
  return s.integer(0) > 0;
}

// ---------------------------------------------------------------------------------------------
// Figures

/// One figure of the report: files `base`.{png,svg,gp} plus its data files, and its caption.
struct Figure {
  std::string base;
  std::string title;
  std::string caption_html;
  std::vector<std::string> data_files;
};

/// Everything a figure writer needs.
struct Context {
  fs::path dir;
  std::string gnuplot;
  std::string db_path;
  std::vector<Figure> figures;  ///< written so far (all of them end up in index.html)
};

/// The label of a |H| series.
std::string h_label(int h, const std::string& augment) {
  return h == 1 ? "|H| = 1 (no augmentation)" : fmt::format("|H| = {} ({})", h, augment);
}

/// The runs of one stratum of a sweep, and which rows of the phase diagram they fall in.
struct Stratum {
  std::string key;
  std::vector<const RunRow*> runs;  ///< finished runs with a test set
};

/// Phase diagram: median test accuracy over (data fraction, group), one panel per |H|.
/// Returns false (and writes nothing) when the stratum has no finished run with a test set.
bool phase_figure(Context& ctx, const std::string& base, const std::string& sweep,
                  const Stratum& st, const std::vector<CriticalRow>& crit, double eps,
                  std::string* note) {
  if (st.runs.empty()) {
    *note = "No finished run with a test set yet: the phase diagram is empty.";
    return false;
  }
  // Rows: groups, by order then spec; the label is the order, with the spec when two groups of
  // the stratum share an order.
  std::set<std::pair<int, std::string>> groups;
  std::map<int, std::string> augment_of;  // |H| -> an augment spec of that order
  for (const RunRow* r : st.runs) {
    groups.emplace(r->order, r->group_spec);
    augment_of.emplace(r->augment_order, r->augment);
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
  for (const RunRow* r : st.runs) {
    acc[r->augment_order][row_of.at(r->group_spec)][r->fraction].push_back(*r->test_acc);
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
                            row - 0.5, row + 0.5, num(median(v)), n, v.size());
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
    for (const CriticalRow& c : crit) {
      if (c.stratum != st.key || c.augment_order != h || std::abs(c.eps - eps) > 1e-12 ||
          !c.estimate || row_of.count(c.group_spec) == 0) {
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
  for (const RunRow* r : st.runs) grid.insert(r->fraction);
  if (grid.size() <= 5) {
    xtics.clear();
    for (double f : grid)
      xtics += fmt::format("{}\"{:g}\" {:.10g}", xtics.empty() ? "" : ", ", f, f);
    xtics = "(" + xtics + ")";
  }
  PanelGrid g;
  g.cols = hs.size() == 4 ? 2 : std::min<int>(static_cast<int>(hs.size()), 3);
  g.rows = (static_cast<int>(hs.size()) + g.cols - 1) / g.cols;
  g.panel_w = 380;
  g.panel_h = std::max(240, std::min(420, 60 + 34 * static_cast<int>(groups.size())));
  g.left = per_order.size() < groups.size() ? 170 : 90;
  g.hgap = g.left;
  g.right = 110;
  g.top = 95;
  g.vgap = 120;
  // Wide enough for the two title lines (about 10 px per byte of UTF-8 at 13 pt, generously).
  const std::string title_top = fmt::format(
      "Sweep \"{}\": median test accuracy{}", sweep,
      with_fstar ? fmt::format(" (circles: f*(ε = {:g}), bars: 95 % interval)", eps) : "");
  const int title_px = 10 * static_cast<int>(std::max(title_top.size(), st.key.size())) + 40;
  const int extra = std::max(0, title_px - g.width());
  g.left += extra / 2;
  g.right += extra - extra / 2;
  std::string s =
      script_head(base, "phase diagram of sweep \"" + sweep + "\"", g.width(), g.height());
  s += fmt::format("{}\nset cbrange [0:1]\nset cblabel \"test accuracy (median over seeds)\"\n",
                   kViridis);
  s += "# Each box overlaps its right and upper neighbour by about a pixel (the using spec), so\n"
       "# that anti-aliasing leaves no seams between the cells.\n";
  s += fmt::format("set multiplot title {} font \",13\"\n", gp_text(title_top + "\n" + st.key));
  for (std::size_t i = 0; i < hs.size(); ++i) {
    const int h = hs[i];
    s += g.margins(static_cast<int>(i));
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
    s += i + 1 == hs.size() ? g.colorbox_right_of(static_cast<int>(i)) : "unset colorbox\n";
    s += fmt::format(
        "plot \"{base}.dat\" index {i} using 1:2:3:($4 * 1.012):5:($6 + 0.02):7 with boxxyerror "
        "fs solid 1.0 noborder fc palette notitle",
        fmt::arg("base", base), fmt::arg("i", i));
    if (with_fstar) {
      s += fmt::format(
          ", \\\n  \"{base}-fstar.dat\" index {i} using 1:2:3:4 with xerrorbars pt 7 ps 1.1 "
          "lw 1.5 lc rgb \"black\" notitle, \\\n"
          "  \"{base}-fstar.dat\" index {i} using 1:2 with points pt 7 ps 0.6 lc rgb \"white\" "
          "notitle",
          fmt::arg("base", base), fmt::arg("i", i));
    }
    s += "\n";
  }
  s += script_tail();
  write_file(ctx.dir / (base + ".gp"), s);
  run_gnuplot(ctx.gnuplot, ctx.dir, base);

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

/// The gnuplot functions of the fitted laws at one stratum: law(n, H, e), its envelope
/// law_lo / law_hi (each exponent at the ends of its 95 % interval, the law pivoted at the
/// centroid n0, H0, e0 of the fitted rows), for prefix "p" (power) and "l" (n ln n).
std::string law_functions(const std::map<std::string, Law>& laws, double n0, double h0, double e0) {
  std::string s = fmt::format(
      "max(a, b) = a > b ? a : b\nmin(a, b) = a < b ? a : b\n"
      "# Centroid (geometric means) of the fitted rows: the envelopes pivot there.\n"
      "n0 = {}; H0 = {}; e0 = {}\n",
      num(n0), num(h0), num(e0));
  for (const auto& [model, prefix] : {std::pair<std::string, std::string>{"power", "p"},
                                      std::pair<std::string, std::string>{"n_log_n", "l"}}) {
    const auto it = laws.find(model);
    if (it == laws.end()) continue;
    const Law& law = it->second;
    const Law::Parameter c = law.get("C"), a = law.get("alpha"), g = law.get("gamma"),
                         b = law.get("beta");
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
  std::string name = model == "power" ? "power law" : "n ln n law";
  std::string t = name;
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

/// The uncensored critical fractions of a stratum, and their centroid in log space.
struct Centroid {
  double n0 = kNaN, h0 = kNaN, e0 = kNaN;
};
Centroid centroid_of(const std::vector<CriticalRow>& crit, const std::string& stratum) {
  double sn = 0, sh = 0, se = 0;
  int m = 0;
  for (const CriticalRow& c : crit) {
    if (c.stratum != stratum || !c.estimate || c.censoring != "none") continue;
    sn += std::log(c.order);
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

/// y range of N* points (their intervals included where finite), padded on the log scale.
std::pair<double, double> nstar_range(const std::map<int, std::vector<NstarPoint>>& series) {
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

/// N* against n (one series per |H|) and N* against |H| (one series per n), at one eps.
void nstar_figures(Context& ctx, const std::string& base, const std::string& sweep,
                   const std::string& stratum, const std::vector<CriticalRow>& crit_all,
                   const std::map<std::string, Law>& laws, double eps, std::string* note_n,
                   std::string* note_h) {
  std::map<int, std::vector<NstarPoint>> by_h, by_n;  // series
  std::map<int, std::string> augment_of;
  std::set<int> orders, h_orders;
  int censored = 0, unbounded = 0;
  for (const CriticalRow& c : crit_all) {
    if (c.stratum != stratum || std::abs(c.eps - eps) > 1e-12) continue;
    if (!c.estimate) {
      ++censored;
      continue;
    }
    const double n2 = static_cast<double>(c.order) * c.order;
    NstarPoint p;
    p.n_star = *c.estimate * n2;
    p.interval = c.low.has_value() || c.high.has_value();
    if (c.low) p.low = *c.low * n2;
    if (c.high) p.high = *c.high * n2;
    if (p.interval && (!p.high || !p.low || *p.low <= 0)) ++unbounded;
    p.x = c.order;
    by_h[c.augment_order].push_back(p);
    p.x = c.augment_order;
    by_n[c.order].push_back(p);
    augment_of.emplace(c.augment_order, c.augment);
    orders.insert(c.order);
    h_orders.insert(c.augment_order);
  }
  const std::string no_fit = fmt::format(
      "No fit for this stratum at ε = {:g}: run <code>symsweep fit --db {} --sweep {}</code> "
      "first.",
      eps, html(ctx.db_path), html(sweep));
  if (by_h.empty()) {
    *note_n = *note_h = censored > 0
                            ? fmt::format(
                                  "Every cell is censored at ε = {:g} (its accuracy does not "
                                  "cross 1 − ε inside the fraction grid): no N* to draw.",
                                  eps)
                            : no_fit;
    return;
  }
  const Centroid cen = centroid_of(crit_all, stratum);
  const bool have_power = laws.count("power") > 0, have_nlogn = laws.count("n_log_n") > 0;
  const std::string functions =
      std::isfinite(cen.n0) ? law_functions(laws, cen.n0, cen.h0, cen.e0) : std::string();
  const auto [y_lo, y_hi] = nstar_range(by_h);
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
    const std::string b = base + "-nstar-n";
    std::string data = fmt::format(
        "# N* = f* n^2 at eps = {:g} with the 95 % bootstrap interval (clamped to the plot "
        "range where unbounded); one block per |H|\n# columns: n N* low high\n",
        eps);
    for (const auto& [h, pts] : by_h)
      data += fmt::format("# |H| = {}\n", h) + nstar_block(pts, y_lo, y_hi);
    write_file(ctx.dir / (b + ".dat"), data);
    const double x_lo = *orders.begin() / 1.15, x_hi = *orders.rbegin() * 1.15;
    const int key_rows = static_cast<int>(by_h.size()) + have_power + have_nlogn + 1;
    const PanelGrid g = key_below_layout(key_rows);
    std::string s = script_head(b, "N* against n, sweep \"" + sweep + "\"", g.width(), g.height());
    s += g.margins(0) + key_below(g);
    s += fmt::format("set multiplot title {} font \",13\"\n",
                     gp_text(fmt::format("Sweep \"{}\": critical sample count at ε = {:g}\n{}",
                                         sweep, eps, stratum)));
    s += "set logscale xy\nset samples 200\n";
    s += fmt::format("set xrange [{}:{}]\nset yrange [{}:{}]\n", num(x_lo), num(x_hi), num(y_lo),
                     num(y_hi));
    s += fmt::format("set xtics {}\nset mxtics default\nset ytics {}\nset mytics default\n",
                     value_tics(orders), enough_log_tics(y_lo, y_hi));
    s += "set xlabel \"group order n\"\nset ylabel \"N* = f* n^2 (samples)\"\n";
    s += fmt::format("eps = {}\n", num(eps)) + functions;
    std::string plot = "plot ";
    auto add = [&plot](const std::string& item) {
      plot += (plot == "plot " ? "" : ", \\\n  ") + item;
    };
    int i = 0;
    for (const auto& [h, pts] : by_h) {
      const std::string col =
          kSeriesColours[static_cast<std::size_t>(i) % std::size(kSeriesColours)];
      if (have_power) {
        add(
            fmt::format("'+' using 1:(plaw_lo($1, {h}, eps)):(plaw_hi($1, {h}, eps)) with "
                        "filledcurves fs transparent solid 0.15 noborder lc rgb \"{c}\" notitle",
                        fmt::arg("h", h), fmt::arg("c", col)));
      }
      if (have_nlogn) {
        add(
            fmt::format("'+' using 1:(llaw_lo($1, {h}, eps)):(llaw_hi($1, {h}, eps)) with "
                        "filledcurves fs transparent solid 0.07 noborder lc rgb \"{c}\" notitle",
                        fmt::arg("h", h), fmt::arg("c", col)));
      }
      if (have_power) {
        add(fmt::format("plaw(x, {}, eps) with lines lw 2 lc rgb \"{}\" notitle", h, col));
      }
      if (have_nlogn) {
        add(fmt::format("llaw(x, {}, eps) with lines lw 2 dt (8, 5) lc rgb \"{}\" notitle", h,
                        col));
      }
      // Series side by side at a shared n (a small multiplicative offset on the log axis).
      add(fmt::format(
          "\"{}.dat\" index {} using ($1 * {:.4f}):2:3:4 with yerrorbars pt 7 ps 1.2 lw 1.5 lc "
          "rgb \"{}\" title {}",
          b, i, dodge(i, by_h.size()), col, gp_text(h_label(h, augment_of[h]))));
      ++i;
    }
    if (have_power) {
      add(fmt::format("keyentry with lines lw 2 lc rgb \"black\" title {}",
                      gp_text(law_title("power", laws.at("power"), "alpha"))));
    }
    if (have_nlogn) {
      add(fmt::format("keyentry with lines lw 2 dt (8, 5) lc rgb \"black\" title {}",
                      gp_text(law_title("n_log_n", laws.at("n_log_n"), ""))));
    }
    add("2.7482 * x * log(x) with lines lw 1.5 dt 3 lc rgb \"#555555\" title "
        "\"reference 2.75 n ln n (Tian, no augmentation)\"");
    s += plot + "\n" + script_tail();
    write_file(ctx.dir / (b + ".gp"), s);
    run_gnuplot(ctx.gnuplot, ctx.dir, b);
    std::string caption = fmt::format(
        "Critical sample count N* = f*(ε) n² at ε = {:g} against the group order n (log-log), "
        "one colour per augmentation order |H|, with 95&nbsp;% bootstrap intervals over seeds.",
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
    ctx.figures.push_back({b, "N* against group order", caption, {b + ".dat"}});
  }

  // --- N* against |H|
  if (h_orders.size() < 2) {
    *note_h = "The stratum has a single augmentation order |H|: no N* against |H|.";
    return;
  }
  const std::string b = base + "-nstar-h";
  std::string data = fmt::format(
      "# N* = f* n^2 at eps = {:g} with the 95 % bootstrap interval (clamped to the plot range "
      "where unbounded); one block per group order n\n# columns: |H| N* low high\n",
      eps);
  for (const auto& [n, pts] : by_n)
    data += fmt::format("# n = {}\n", n) + nstar_block(pts, y_lo, y_hi);
  write_file(ctx.dir / (b + ".dat"), data);
  const double x_lo = *h_orders.begin() / 1.2, x_hi = *h_orders.rbegin() * 1.2;
  const PanelGrid g = key_below_layout(static_cast<int>(by_n.size()) + (have_power ? 2 : 0));
  std::string s = script_head(b, "N* against |H|, sweep \"" + sweep + "\"", g.width(), g.height());
  s += g.margins(0) + key_below(g);
  s += fmt::format("set multiplot title {} font \",13\"\n",
                   gp_text(fmt::format("Sweep \"{}\": critical sample count at ε = {:g}\n{}", sweep,
                                       eps, stratum)));
  s += "set logscale xy\nset samples 200\n";
  s += fmt::format("set xrange [{}:{}]\nset yrange [{}:{}]\n", num(x_lo), num(x_hi), num(y_lo),
                   num(y_hi));
  s += fmt::format("set xtics {}\nunset mxtics\nset ytics {}\nset mytics default\n",
                   value_tics(h_orders), enough_log_tics(y_lo, y_hi));
  s += "set xlabel \"augmentation order |H|\"\nset ylabel \"N* = f* n^2 (samples)\"\n";
  s += fmt::format("eps = {}\n", num(eps)) + functions;
  std::string plot = "plot ";
  auto add = [&plot](const std::string& item) {
    plot += (plot == "plot " ? "" : ", \\\n  ") + item;
  };
  int i = 0;
  for (const auto& [n, pts] : by_n) {
    const std::string col = kSeriesColours[static_cast<std::size_t>(i) % std::size(kSeriesColours)];
    if (have_power) {
      add(
          fmt::format("'+' using 1:(plaw_lo({n}, $1, eps)):(plaw_hi({n}, $1, eps)) with "
                      "filledcurves fs transparent solid 0.15 noborder lc rgb \"{c}\" notitle",
                      fmt::arg("n", n), fmt::arg("c", col)));
      add(fmt::format("plaw({}, x, eps) with lines lw 2 lc rgb \"{}\" notitle", n, col));
    }
    add(fmt::format(
        "\"{}.dat\" index {} using ($1 * {:.4f}):2:3:4 with yerrorbars pt 7 ps 1.2 lw 1.5 lc "
        "rgb \"{}\" title \"n = {}\"",
        b, i, dodge(i, by_n.size()), col, n));
    ++i;
  }
  if (have_power) {
    add(fmt::format("keyentry with lines lw 2 lc rgb \"black\" title {}",
                    gp_text(law_title("power", laws.at("power"), "gamma"))));
    // The paper's prediction gamma = 1, through the fitted law at the centroid.
    add("plaw(n0, H0, eps) * (x / H0)**(-1) with lines lw 1.5 dt 3 lc rgb \"#555555\" title "
        "\"slope γ = 1 (the paper), through the fit at the centroid\"");
  }
  s += plot + "\n" + script_tail();
  write_file(ctx.dir / (b + ".gp"), s);
  run_gnuplot(ctx.gnuplot, ctx.dir, b);
  std::string caption = fmt::format(
      "Critical sample count N* = f*(ε) n² at ε = {:g} against the augmentation order |H| "
      "(log-log), one colour per group order n, with 95&nbsp;% bootstrap intervals over seeds.",
      eps);
  if (have_power) {
    const Law::Parameter g = laws.at("power").get("gamma");
    caption += fmt::format(
        " Lines: the fitted power law at each n, N* ∝ |H|<sup>−γ</sup> with γ = {} [{}, {}]; "
        "dotted grey: the paper's γ = 1 for comparison, through the fit at the centroid.",
        show(g.estimate), show(g.low), show(g.high));
    caption += band_note;
  } else {
    caption += " No power law is fitted for this stratum: run <code>symsweep fit</code> first.";
  }
  caption += counts_note;
  ctx.figures.push_back({b, "N* against augmentation order", caption, {b + ".dat"}});
}

/// `text` broken at the space nearest its middle when it is long (for a note inside a panel).
std::string two_lines(std::string text) {
  if (text.size() < 60) return text;
  const std::size_t mid = text.size() / 2;
  const std::size_t before = text.rfind(' ', mid), after = text.find(' ', mid);
  const std::size_t at = before == std::string::npos ? after
                         : after == std::string::npos
                             ? before
                             : (mid - before <= after - mid ? before : after);
  if (at != std::string::npos) text[at] = '\n';
  return text;
}

/// Why a run of a non-abelian group has no monomial potentials.
std::string no_irreps_note(int group_order) {
  return group_order > core::GroupContext::kMaxIrrepOrder
             ? fmt::format(
                   "no monomial potentials: non-abelian groups get them from their "
                   "irreducible representations up to order {}, and this one has {}",
                   core::GroupContext::kMaxIrrepOrder, group_order)
             : "no monomial potentials were logged (a database from before the per-irrep MPs?)";
}

/// The run whose dynamics the report shows for a sweep: in the cell (every setting but fraction
/// and seed) with the most finished runs (ties: abelian groups first, then the larger group),
/// the run with the median final test accuracy.
std::optional<std::int64_t> median_run(const std::vector<RunRow>& runs) {
  std::map<std::string, std::vector<const RunRow*>> cells;
  for (const RunRow& r : runs) {
    if (r.status == "done") cells[r.cell].push_back(&r);
  }
  const std::vector<const RunRow*>* best = nullptr;
  for (const auto& [key, rs] : cells) {
    if (best == nullptr) {
      best = &rs;
      continue;
    }
    const RunRow& a = *rs.front();
    const RunRow& b = *best->front();
    if (std::tuple(rs.size(), a.abelian, a.order) > std::tuple(best->size(), b.abelian, b.order)) {
      best = &rs;
    }
  }
  if (best == nullptr) return std::nullopt;
  std::vector<const RunRow*> rs;
  for (const RunRow* r : *best) {
    if (r->test_acc) rs.push_back(r);
  }
  if (rs.empty()) return best->front()->id;
  std::stable_sort(rs.begin(), rs.end(),
                   [](const RunRow* a, const RunRow* b) { return *a->test_acc < *b->test_acc; });
  return rs[(rs.size() - 1) / 2]->id;
}

/// The dynamics of one run: Re rho_kkk with the Theorem 2 fits, binary gap, effective dimension
/// and conservation drift. Returns the Theorem 2 summary (empty without MPs).
core::Theorem2Summary run_figure(Context& ctx, Database& db, std::int64_t run_id,
                                 std::string* description) {
  Statement info = db.prepare(
      "SELECT group_spec, augment, data_fraction, width, seed, optimizer, lr, weight_decay, "
      "steps, status, test_acc, abelian, group_order FROM runs WHERE id = ?1");
  info.bind(1, run_id);
  if (!info.step()) throw InputError(fmt::format("report: --run {}: no such run", run_id));
  const std::string group = info.text(0), augment = info.text(1), status = info.text(9);
  const double lr = info.real(6);
  const bool abelian = info.integer(11) != 0;
  const auto group_order = static_cast<int>(info.integer(12));
  *description = fmt::format(
      "Group {}, augmentation {}, data fraction {:.4g}, width {}, seed {}, {} with lr "
      "{:g} and weight decay {:g}, {} steps, status {}{}.",
      group, augment, info.real(2), info.integer(3), info.integer(4), info.text(5), lr,
      info.real(7), info.integer(8), status,
      info.is_null(10) ? "" : fmt::format(", final test accuracy {:.3f}", info.real(10)));
  const std::string title_line = fmt::format(
      "Run {}: {}, augment {}, f = {:.3g}, width {}, seed {}, {} lr {:g} wd {:g}", run_id, group,
      augment, info.real(2), info.integer(3), info.integer(4), info.text(5), lr, info.real(7));

  // Metrics.
  struct Row {
    std::int64_t step;
    std::optional<double> gap, offtarget, dim, dq, ds, dc, energy;
  };
  std::vector<Row> metrics;
  {
    // off_target_energy (irrep groups) exists from schema version 3 on.
    const bool with_energy = has_column(db, "metrics", "off_target_energy");
    Statement m = db.prepare(fmt::format(
        "SELECT step, binary_gap, max_offtarget_mp, effective_dim, drift_q, drift_s, drift_c, {} "
        "FROM metrics WHERE run_id = ?1 ORDER BY step",
        with_energy ? "off_target_energy" : "NULL"));
    m.bind(1, run_id);
    while (m.step()) {
      metrics.push_back({m.integer(0), m.opt_real(1), m.opt_real(2), m.opt_real(3), m.opt_real(4),
                         m.opt_real(5), m.opt_real(6), m.opt_real(7)});
    }
  }
  if (metrics.empty()) {
    throw InputError(fmt::format(
        "report: --run {}: the run has no logged metrics (status {}); pick a finished run", run_id,
        status));
  }
  // Potentials by (step, k): Re rho_kkk of a character group (k the frequency, indicator
  // NULL), or rho_tau of an irrep group (k the irrep's index, with its dimension and
  // Frobenius-Schur indicator); both have target 1.
  std::vector<std::int64_t> steps;
  std::vector<int> ks;
  std::map<std::pair<std::int64_t, int>, double> rho;
  std::map<int, int> dim_of;
  bool irreps = false;
  {
    Statement p = db.prepare(
        "SELECT step, k, re, dim, indicator FROM potentials WHERE run_id = ?1 AND re IS NOT NULL "
        "ORDER BY step, k");
    p.bind(1, run_id);
    std::set<std::int64_t> st;
    std::set<int> kk;
    while (p.step()) {
      const std::int64_t s = p.integer(0);
      const int k = static_cast<int>(p.integer(1));
      st.insert(s);
      kk.insert(k);
      rho[{s, k}] = p.real(2);
      dim_of[k] = static_cast<int>(p.integer(3));
      irreps |= !p.is_null(4);
    }
    steps.assign(st.begin(), st.end());
    ks.assign(kk.begin(), kk.end());
  }
  // Names in the figure: frequencies k of rho_kkk, or irreps tau of rho_tau.
  const std::string mp_name = irreps ? "ρ_τ" : "Re ρ_{kkk}";
  const std::string mp_html =
      irreps ? "ρ<sub>τ</sub> = Re E tr(B A C) / d<sub>τ</sub>" : "Re ρ<sub>kkk</sub>";
  const std::string index_name = irreps ? "irrep τ (index)" : "frequency k";
  const std::string c_name = irreps ? "C_τ" : "C_k";
  const std::string b = fmt::format("run-{}", run_id);
  core::Theorem2Summary t2;
  const bool have_rho = !ks.empty();
  std::vector<int> duplicate_of;  // per k: the k whose Re rho curve it repeats, or 0
  double rho_lo = 0.0, rho_hi = 0.0;
  int k_lo = ks.empty() ? 1 : ks.front(), k_hi = k_lo;
  const std::int64_t last_step = metrics.back().step;
  if (have_rho) {
    std::vector<double> t;
    for (std::int64_t s : steps) t.push_back(lr * static_cast<double>(s));
    Eigen::MatrixXd m = Eigen::MatrixXd::Constant(static_cast<Eigen::Index>(steps.size()),
                                                  static_cast<Eigen::Index>(ks.size()), kNaN);
    for (std::size_t i = 0; i < steps.size(); ++i) {
      for (std::size_t j = 0; j < ks.size(); ++j) {
        const auto it = rho.find({steps[i], ks[j]});
        if (it != rho.end()) {
          m(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = it->second;
        }
      }
    }
    t2 = core::fit_theorem2(t, ks, m);
    // rho_{-k,-k,-k} = conj(rho_kkk) for real weights: the real parts of k and -k coincide, and
    // the later of each pair would hide the earlier one. Draw each such curve once.
    duplicate_of.assign(ks.size(), 0);
    for (std::size_t j = 0; j < ks.size(); ++j) {
      for (std::size_t e = 0; e < j && duplicate_of[j] == 0; ++e) {
        if (duplicate_of[e] != 0) continue;
        bool same = true;
        for (Eigen::Index i = 0; i < m.rows() && same; ++i) {
          const double a = m(i, static_cast<Eigen::Index>(j)),
                       c = m(i, static_cast<Eigen::Index>(e));
          same = (std::isnan(a) && std::isnan(c)) || std::abs(a - c) <= 1e-9;
        }
        if (same) duplicate_of[j] = ks[e];
      }
    }
    std::string data = fmt::format(
        "# Re rho_kkk of run {} per logged step; one line (blank-separated block) per k\n"
        "# duplicate_of: the k whose curve this one repeats (Re rho of -k equals that of k), or 0\n"
        "# columns: step t=lr*step re_rho_kkk k duplicate_of\n",
        run_id);
    std::string fit = fmt::format(
        "# fitted 1 - exp(-C_k t), t = lr * step (lr = {:g}), per k (blank-separated blocks)\n"
        "# columns: step fitted k\n",
        lr);
    std::string table = "k,C,r2,rmse,points,fitted,dim\n";
    const std::int64_t max_step = std::max<std::int64_t>(steps.back(), 1);
    for (std::size_t j = 0; j < ks.size(); ++j) {
      for (std::size_t i = 0; i < steps.size(); ++i) {
        const auto it = rho.find({steps[i], ks[j]});
        if (it == rho.end()) continue;
        data += fmt::format("{} {} {} {} {}\n", steps[i], num(t[i]), num(it->second), ks[j],
                            duplicate_of[j]);
        if (duplicate_of[j] == 0) {
          rho_lo = std::min(rho_lo, it->second);
          rho_hi = std::max(rho_hi, it->second);
        }
      }
      data += "\n";
      const core::Theorem2Fit& f = t2.per_k[j];
      table += fmt::format("{},{},{},{},{},{},{}\n", f.k, num(f.c), num(f.r2), num(f.rmse),
                           f.points, f.fitted ? 1 : 0, dim_of[ks[j]]);
      if (!f.fitted || duplicate_of[j] != 0) continue;
      k_lo = std::min(k_lo, ks[j]);
      k_hi = std::max(k_hi, ks[j]);
      rho_hi = std::max(rho_hi, 1.0 - std::exp(-f.c * lr * static_cast<double>(max_step)));
      constexpr int kCurvePoints = 150;
      for (int i = 0; i <= kCurvePoints; ++i) {
        const double s = static_cast<double>(max_step) * i / kCurvePoints;
        fit += fmt::format("{} {} {}\n", num(s), num(1.0 - std::exp(-f.c * lr * s)), f.k);
      }
      fit += "\n";
    }
    write_file(ctx.dir / (b + "-rho.dat"), data);
    write_file(ctx.dir / (b + "-rho-fit.dat"), fit);
    write_file(ctx.dir / (b + "-theorem2.csv"), table);
  }
  std::string mdata = fmt::format(
      "# logged metrics of run {} (NaN: not recorded or not positive where plotted on a log "
      "scale)\n# columns: step binary_gap max_offtarget_mp effective_dim drift_q drift_s "
      "drift_c off_target_energy\n",
      run_id);
  bool have_gap = false, have_off = false, have_dim = false, have_energy = false;
  bool have_drift[3] = {false, false, false};
  for (const Row& r : metrics) {
    auto positive = [](const std::optional<double>& v) {
      return v && *v > 0 && std::isfinite(*v) ? num(*v) : std::string("NaN");
    };
    have_gap |= r.gap.has_value();
    have_off |= r.offtarget.has_value();
    have_energy |= r.energy.has_value();
    have_dim |= r.dim.has_value();
    have_drift[0] |= r.dq && *r.dq > 0;
    have_drift[1] |= r.ds && *r.ds > 0;
    have_drift[2] |= r.dc && *r.dc > 0;
    mdata += fmt::format("{} {} {} {} {} {} {} {}\n", r.step, num(r.gap), num(r.offtarget),
                         num(r.dim), positive(r.dq), positive(r.ds), positive(r.dc), num(r.energy));
  }
  write_file(ctx.dir / (b + "-metrics.dat"), mdata);

  PanelGrid g;
  g.cols = 2;
  g.rows = 2;
  g.panel_w = 500;
  g.panel_h = 300;
  g.left = 95;
  g.hgap = 200;
  g.vgap = 105;
  g.right = 40;
  g.top = 85;
  std::string s = script_head(b, fmt::format("dynamics of run {}", run_id), g.width(), g.height());
  s += fmt::format(
      "set multiplot title {} font \",13\"\n",
      fmt::format("\"{}\\nTheorem 2 of the paper: {}(t) = 1 − exp(−{} t), t = lr · step\"",
                  gp_escape(title_line), irreps ? "ρ_τ" : "ρ_{kkk}", c_name));
  s += fmt::format("set xrange [0:{}]\nset xlabel \"step\"\nset tics out nomirror\n",
                   std::max<std::int64_t>(last_step, 1));
  auto empty_panel = [](const std::string& msg) {
    return fmt::format(
        "set yrange [0:1]\nunset ytics\nset label 1 {} at graph 0.5, 0.5 center\n"
        "unset key\nplot -1 notitle\nunset label 1\nset ytics\n",
        gp_text(msg));
  };
  // (a) rho_kkk
  s += g.margins(0);
  s += fmt::format("set title \"{} per {}, fits 1 − exp(−{} t) dashed\"\n", mp_name,
                   irreps ? "irrep τ" : "frequency k", c_name);
  s += fmt::format("set ylabel \"{}\"\n", mp_name);
  if (have_rho) {
    s += fmt::format("{}\nset cbrange [{}:{}]\nset cblabel \"{}\" offset 0.8, 0\n{}", kViridis,
                     k_lo, std::max(k_hi, k_lo + 1), index_name, g.colorbox_right_of(0, 14));
    if (k_hi - k_lo <= 10) s += "set cbtics 1\n";  // integer indices only
    // The data's range, with the target 1 in view once the curves are half-way there, and
    // headroom above the curves for the legend.
    const double lo = std::min(0.0, rho_lo);
    double hi = rho_hi > 0.5 ? std::max(1.0, rho_hi) : rho_hi;
    if (hi - lo < 0.05) hi = lo + 0.05;
    const double pad = 0.05 * (hi - lo);
    s += fmt::format("set cbtics out\nset yrange [{}:{}]\n", num(lo - pad), num(hi + 5 * pad));
    s += "set key top left horizontal Left reverse box opaque samplen 3 font \",10\"\n";
    s += fmt::format(
        "plot \"{b}-rho.dat\" using 1:($5 == 0 ? $3 : NaN):4 with lines lw 1.3 lc palette "
        "notitle, \\\n"
        "  \"{b}-rho-fit.dat\" using 1:2:3 with lines lw 1.3 dt (6, 4) lc palette notitle, \\\n"
        "  keyentry with lines lw 1.5 lc rgb \"black\" title \"logged {mp}\", \\\n"
        "  keyentry with lines lw 1.5 dt (6, 4) lc rgb \"black\" title \"fit 1 − exp(−{c} t)\"\n",
        fmt::arg("b", b), fmt::arg("mp", mp_name), fmt::arg("c", c_name));
    s += "unset colorbox\n";
  } else {
    s += empty_panel(abelian ? "no monomial potentials were logged for this run"
                             : two_lines(no_irreps_note(group_order)));
  }
  // (b) binary gap
  s += g.margins(1);
  s += "set title \"distance to the symbolic 0/1 solution\"\nset ylabel \"distance from the "
       "target\"\n";
  if (have_gap || have_off || have_energy) {
    double top = 0.0;
    for (const Row& r : metrics) {
      top = std::max({top, r.gap.value_or(0.0), r.offtarget.value_or(0.0), r.energy.value_or(0.0)});
    }
    s += fmt::format("set yrange [0:{}]\n", num(top > 0 ? 1.28 * top : 1.0));
    s += "set key top right horizontal Left reverse box opaque samplen 3 font \",10\"\n";
    std::string plot = "plot ";
    if (have_gap) {
      plot += fmt::format(
          "\"{}-metrics.dat\" using 1:2 with linespoints pt 7 ps 0.5 lw 1.8 lc rgb \"#1b9e77\" "
          "title \"binary gap\"",
          b);
    }
    if (have_off) {
      plot += fmt::format(
          "{}\"{}-metrics.dat\" using 1:3 with linespoints pt 5 ps 0.45 lw 1.8 lc rgb "
          "\"#d95f02\" title \"largest off-target |ρ|\"",
          have_gap ? ", \\\n  " : "", b);
    }
    if (have_energy) {
      plot += fmt::format(
          "{}\"{}-metrics.dat\" using 1:8 with linespoints pt 9 ps 0.55 lw 1.8 lc rgb "
          "\"#7570b3\" title \"off-target energy\"",
          have_gap || have_off ? ", \\\n  " : "", b);
    }
    s += plot + "\n";
  } else {
    s += empty_panel("binary gap not recorded for this run");
  }
  // (c) effective dimension
  s += g.margins(2);
  s += "set title \"effective dimension of the particle cloud\"\n"
       "set ylabel \"participation ratio\"\nunset key\n";
  if (have_dim) {
    double top = 0.0;
    for (const Row& r : metrics) top = std::max(top, r.dim.value_or(0.0));
    s += fmt::format("set yrange [0:{}]\n", num(top > 0 ? 1.1 * top : 1.0));
    s += fmt::format(
        "plot \"{}-metrics.dat\" using 1:4 with linespoints pt 7 ps 0.5 lw 1.8 lc rgb "
        "\"#7570b3\" notitle\n",
        b);
  } else {
    s += empty_panel("effective dimension not recorded");
  }
  // (d) conservation drift
  s += g.margins(3);
  s += "set title \"conservation-law drift (relative, log scale)\"\n"
       "set ylabel \"max_j |X_j(t) − X_j(0)| / mean_j |X_j(0)|\"\n";
  if (have_drift[0] || have_drift[1] || have_drift[2]) {
    double lo = std::numeric_limits<double>::infinity(), hi = 0.0;
    for (const Row& r : metrics) {
      for (const auto& v : {r.dq, r.ds, r.dc}) {
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
    std::string plot = "plot ";
    for (int i = 0; i < 3; ++i) {
      if (!have_drift[i]) continue;
      plot += fmt::format(
          "{}\"{}-metrics.dat\" using 1:{} with linespoints pt 7 ps 0.45 lw 1.8 lc rgb \"{}\" "
          "title \"{}\"",
          plot == "plot " ? "" : ", \\\n  ", b, 5 + i, colours[i], names[i]);
    }
    s += plot + "\n";
  } else {
    s += empty_panel("no drift recorded (all zero or NULL)");
  }
  s += script_tail();
  write_file(ctx.dir / (b + ".gp"), s);
  run_gnuplot(ctx.gnuplot, ctx.dir, b);

  std::string caption = html(*description);
  if (have_rho) {
    caption += fmt::format(
        " Top left: {mp} of every {what} (colour: {idx}) with its least-squares fit "
        "1 − exp(−C t), t = lr · step (Theorem 2 of the paper){dup}. Fitted "
        "{fitted} of {count} {whats}: median C = {c} per unit t, R² median {r2}, min {r2min}.",
        fmt::arg("mp", mp_html), fmt::arg("what", irreps ? "irrep τ ≠ 1" : "frequency k"),
        fmt::arg("idx", irreps ? "the irrep's index" : "k"),
        fmt::arg("dup", std::count(duplicate_of.begin(), duplicate_of.end(), 0) <
                                static_cast<long>(ks.size())
                            ? "; curves that coincide (k and −k) are drawn once"
                            : ""),
        fmt::arg("fitted", t2.fitted), fmt::arg("count", ks.size()),
        fmt::arg("whats", irreps ? "irreps" : "frequencies"), fmt::arg("c", show(t2.median_c)),
        fmt::arg("r2", show(t2.median_r2)), fmt::arg("r2min", show(t2.min_r2)));
    caption += t2.min_r2 >= 0.95
                   ? " Every curve follows the theorem's form closely (R² ≥ 0.95)."
                   : " Curves with R² below 0.95 depart from the theorem's form (real runs often "
                     "rise late and sigmoidally): the run is outside its regime there.";
  } else {
    caption += " " +
               html(abelian ? "No monomial potentials were logged for this run"
                            : no_irreps_note(group_order)) +
               ": no Theorem 2 fit.";
  }
  caption +=
      " Top right: binary gap (largest distance of a tracked MP to its 0/1 target), with the "
      "largest off-target |ρ| (characters) or the off-target energy (irreps). Bottom left: "
      "participation ratio of the particles' "
      "second-moment eigenvalues. Bottom right: relative drift of the conserved "
      "quantities Q, S, C (docs/conservation.md; weight decay breaks them).";
  Figure fig{b, fmt::format("Run {}", run_id), caption, {b + "-metrics.dat"}};
  if (have_rho) {
    for (const char* f : {"-rho.dat", "-rho-fit.dat", "-theorem2.csv"})
      fig.data_files.push_back(b + f);
  }
  ctx.figures.push_back(fig);
  return t2;
}

// ---------------------------------------------------------------------------------------------
// index.html

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

std::string figure_html(const Figure& f) {
  std::string files;
  files += fmt::format(
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

}  // namespace

int run_report(const ReportOptions& o) {
  if (o.db.empty()) throw InputError("report: --db FILE is required (the results database)");
  if (o.out.empty()) throw InputError("report: --out DIR is required (the output directory)");
  if (o.run < 0) throw InputError(fmt::format("report: --run {}: expected a run id >= 1", o.run));
  if (o.eps != 0.0 && !(o.eps > 0.0 && o.eps < 1.0)) {
    throw InputError(fmt::format("report: --eps {}: expected a value in (0, 1)", o.eps));
  }
  const auto db_ptr = open_existing_results(o.db, "report", "--db");
  Database& db = *db_ptr;
  db.restrict_to_reading();
  {
    Statement c = db.prepare("SELECT count(*) FROM runs");
    c.step();
    if (c.integer(0) == 0) {
      throw InputError(fmt::format(
          "report: --db {}: the database has no runs (run a sweep into it with `symsweep run "
          "SPEC --db {}` first)",
          o.db, o.db));
    }
  }
  std::vector<std::string> sweeps;
  {
    Statement s = db.prepare(
        "SELECT name FROM sweeps WHERE EXISTS (SELECT 1 FROM sweep_runs WHERE sweep_id = "
        "sweeps.id) ORDER BY id");
    while (s.step()) sweeps.push_back(s.text(0));
  }
  if (!o.sweep.empty()) {
    Statement s = db.prepare("SELECT count(*) FROM sweeps WHERE name = ?1");
    s.bind(1, o.sweep);
    s.step();
    if (s.integer(0) == 0) {
      throw InputError(fmt::format("report: --sweep {}: no such sweep in {}", o.sweep, o.db));
    }
    if (std::find(sweeps.begin(), sweeps.end(), o.sweep) == sweeps.end()) {
      throw InputError(fmt::format("report: --sweep {}: the sweep has no runs", o.sweep));
    }
    sweeps = {o.sweep};
  }
  {
    std::string in;
    for (std::size_t i = 0; i < sweeps.size(); ++i) in += (i ? ", ?" : "?") + std::to_string(i + 1);
    Statement s = db.prepare(
        "SELECT count(*) FROM runs JOIN sweep_runs ON sweep_runs.run_id = runs.id JOIN sweeps ON "
        "sweeps.id = sweep_runs.sweep_id WHERE runs.status = 'done' AND sweeps.name IN (" +
        (in.empty() ? std::string("NULL") : in) + ")");
    for (std::size_t i = 0; i < sweeps.size(); ++i) s.bind(static_cast<int>(i + 1), sweeps[i]);
    s.step();
    if (s.integer(0) == 0) {
      throw InputError(fmt::format(
          "report: --db {}: no finished runs yet{}; run the sweep (or wait for it) first", o.db,
          o.sweep.empty() ? "" : " in sweep " + o.sweep));
    }
  }
  if (o.run > 0) {
    Statement s = db.prepare("SELECT count(*) FROM runs WHERE id = ?1");
    s.bind(1, o.run);
    s.step();
    if (s.integer(0) == 0)
      throw InputError(fmt::format("report: --run {}: no such run in {}", o.run, o.db));
  }
  const bool have_fit_tables = has_table(db, "critical_fractions") && has_table(db, "fits");

  Context ctx;
  ctx.gnuplot = find_gnuplot(o.gnuplot);
  ctx.db_path = o.db;
  ctx.dir = o.out;
  {
    std::error_code ec;
    if (fs::exists(ctx.dir, ec) && !fs::is_directory(ctx.dir, ec)) {
      throw InputError(fmt::format("report: --out {}: exists and is not a directory", o.out));
    }
    fs::create_directories(ctx.dir, ec);
    if (ec || !fs::is_directory(ctx.dir)) {
      throw Error(fmt::format("report: --out {}: cannot create the directory: {}", o.out,
                              ec ? ec.message() : "not a directory"));
    }
  }

  std::string body;
  std::string nav, nav_runs;  // the runs' sections follow the sweeps'
  std::set<std::string> used_slugs;
  std::set<std::int64_t> runs_drawn;
  std::vector<std::string> run_sections;

  auto draw_run = [&](std::int64_t id, const std::string& why) {
    if (!runs_drawn.insert(id).second) return;
    const std::size_t first = ctx.figures.size();
    std::string description;
    const core::Theorem2Summary t2 = run_figure(ctx, db, id, &description);
    std::string sec = fmt::format("<h2 id=\"run-{0}\">Run {0}: dynamics and Theorem 2</h2>\n", id);
    sec += "<p>" + html(why) + "</p>\n";
    sec += figure_html(ctx.figures[first]);
    if (!t2.per_k.empty()) {
      sec += fmt::format(
          "<details><summary>Theorem 2 fit per frequency ({} frequencies; also in "
          "<a href=\"run-{}-theorem2.csv\">run-{}-theorem2.csv</a>)</summary>\n",
          t2.per_k.size(), id, id);
      sec +=
          "<table>\n<thead><tr><th>k</th><th>C<sub>k</sub></th><th>R²</th><th>rmse</th>"
          "<th>points</th></tr></thead>\n<tbody>\n";
      for (const core::Theorem2Fit& f : t2.per_k) {
        sec += fmt::format(
            "<tr><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>"
            "<td class=\"num\">{}</td><td class=\"num\">{}</td></tr>\n",
            f.k, show(f.c, 4), show(f.r2, 4), show(f.rmse, 3), f.points);
      }
      sec += "</tbody>\n</table>\n</details>\n";
    }
    run_sections.push_back(sec);
    nav_runs += fmt::format("<li><a href=\"#run-{0}\">Run {0}</a></li>\n", id);
  };

  for (const std::string& sweep : sweeps) {
    std::string name = slug(sweep);
    for (int i = 2; used_slugs.count(name) > 0; ++i) name = slug(sweep) + "-" + std::to_string(i);
    used_slugs.insert(name);
    const std::vector<RunRow> runs = sweep_runs(db, sweep);
    const std::vector<CriticalRow> crit =
        have_fit_tables ? critical_rows(db, sweep) : std::vector<CriticalRow>{};
    const auto laws = have_fit_tables ? fitted_laws(db, sweep)
                                      : std::map<std::string, std::map<std::string, Law>>{};
    // eps of the N* figures: the one asked for, else 0.1 when fitted, else the first fitted.
    double eps = o.eps > 0 ? o.eps : kDefaultEps;
    std::set<double> eps_present;
    for (const CriticalRow& c : crit) eps_present.insert(c.eps);
    bool eps_found = false;
    for (double e : eps_present) eps_found |= std::abs(e - eps) < 1e-12;
    std::string eps_note;
    if (!eps_found && !crit.empty()) {
      if (o.eps > 0) {
        eps_note = fmt::format("ε = {:g} was not fitted; showing ε = {:g} (the first fitted).",
                               o.eps, crit.front().eps);
      }
      eps = crit.front().eps;
    }

    int done = 0;
    std::map<std::string, Stratum> strata;
    for (const RunRow& r : runs) {
      if (r.status != "done") continue;
      ++done;
      Stratum& st = strata[r.stratum];
      st.key = r.stratum;
      if (r.test_acc) st.runs.push_back(&r);
    }
    body += fmt::format("<h2 id=\"sweep-{}\">Sweep “{}”</h2>\n", html(name), html(sweep));
    nav += fmt::format("<li><a href=\"#sweep-{}\">Sweep “{}”</a></li>\n", html(name), html(sweep));
    body += fmt::format(
        "<p class=\"meta\">{} runs, {} finished; {} {} (cells that share every setting but the "
        "group, the augmentation and the data fraction).</p>\n",
        runs.size(), done, strata.size(), strata.size() == 1 ? "stratum" : "strata");
    if (!eps_note.empty()) body += note_html(eps_note);
    if (done == 0) body += note_html("No finished runs in this sweep yet: nothing to draw.");
    if (crit.empty()) {
      body += note_html(fmt::format(
          "No critical fractions or scaling-law fits for this sweep: run <code>symsweep fit "
          "--db {} --sweep {}</code> first. The N* figures and the fit tables appear after it.",
          html(o.db), html(sweep)));
    }
    int si = 0;
    for (const auto& [key, st] : strata) {
      const std::string base = strata.size() == 1 ? name : fmt::format("{}-s{}", name, ++si);
      if (strata.size() > 1)
        body += "<h3>Stratum <code>" + html(key) + "</code></h3>\n";
      else
        body += "<p>Stratum: <code>" + html(key) + "</code></p>\n";
      std::string note;
      const std::size_t before = ctx.figures.size();
      if (phase_figure(ctx, base + "-phase", sweep, st, crit, eps, &note)) {
        body += figure_html(ctx.figures[before]);
      } else {
        body += note_html(html(note));
      }
      if (!crit.empty()) {
        std::string note_n, note_h;
        const auto it = laws.find(key);
        const std::size_t mark = ctx.figures.size();
        nstar_figures(ctx, base, sweep, key, crit,
                      it == laws.end() ? std::map<std::string, Law>{} : it->second, eps, &note_n,
                      &note_h);
        for (std::size_t i = mark; i < ctx.figures.size(); ++i) body += figure_html(ctx.figures[i]);
        if (!note_n.empty()) body += note_html(note_n);
        if (!note_h.empty() && note_h != note_n) body += note_html(note_h);
      }
    }
    if (!crit.empty()) {
      const std::vector<std::string> binds = {sweep};
      body += "<h3>Scaling-law fits</h3>\n";
      // The stratum column only when the sweep has several (it is shown above otherwise).
      const std::string fits_sql = fmt::format(
          "SELECT {}law, parameter, estimate, low AS \"95% low\", high AS \"95% high\", "
          "r2 AS \"R²\", cells, CASE preferred WHEN 1 THEN 'yes' ELSE '' END AS preferred "
          "FROM fits WHERE sweep = ?1 ORDER BY stratum, model DESC, id",
          strata.size() > 1 ? "stratum, " : "");
      std::string table;
      HtmlTableWriter tw(table);
      const int rows = query_into(db, fits_sql, binds, tw);
      if (rows == 0) {
        body += note_html(
            "No law could be fitted (too few uncensored cells); see the critical fractions below.");
      } else {
        body +=
            "<p>From the <code>fits</code> table (<code>symsweep fit</code>): N* = C "
            "n<sup>α</sup> |H|<sup>−γ</sup> ε<sup>−β</sup> and N* = C n ln n "
            "|H|<sup>−γ</sup> ε<sup>−β</sup>, least squares in log N* over every ε, with "
            "95&nbsp;% bootstrap intervals; “preferred” by AICc. The paper predicts γ = 1; "
            "Tian predicts α ≈ 1 with a log correction.</p>\n" +
            table;
      }
      query_to_csv(db,
                   "SELECT sweep, stratum, model, law, parameter, estimate, low, high, r2, cells, "
                   "preferred, created FROM fits WHERE sweep = ?1 ORDER BY stratum, model, id",
                   binds, ctx.dir / (name + "-fits.csv"));
      const std::string crit_sql =
          "SELECT group_spec AS \"group\", group_order AS n, augment, augment_order AS \"|H|\", "
          "width, eps AS \"ε\", estimate AS \"f*\", low AS \"95% low\", high AS \"95% high\", "
          "estimate * group_order * group_order AS \"N*\", censoring, runs, seeds FROM "
          "critical_fractions WHERE sweep = ?1 ORDER BY substr(cell, instr(cell, ' | ')), eps "
          "DESC, group_order, augment_order, group_spec";
      std::string ctable;
      HtmlTableWriter cw(ctable);
      const int crows = query_into(db, crit_sql, binds, cw);
      body += fmt::format(
          "<details><summary>Critical fractions f*(ε) of every cell ({} rows; also in "
          "<a href=\"{}-critical_fractions.csv\">{}-critical_fractions.csv</a>, fits in "
          "<a href=\"{}-fits.csv\">{}-fits.csv</a>)</summary>\n<p>A missing f* is censored: the "
          "accuracy never crosses 1 − ε inside the fraction grid (“right”) or already has at its "
          "smallest fraction (“left”). A 95% low of 0 or a missing 95% high: the bootstrap "
          "interval leaves the grid.</p>\n{}</details>\n",
          crows, html(name), html(name), html(name), html(name), ctable);
      query_to_csv(db, "SELECT * FROM critical_fractions WHERE sweep = ?1 ORDER BY rowid", binds,
                   ctx.dir / (name + "-critical_fractions.csv"));
    }
    if (o.run == 0) {
      if (const auto id = median_run(runs)) {
        const RunRow* r = nullptr;
        for (const RunRow& x : runs) {
          if (x.id == *id) r = &x;
        }
        draw_run(*id, fmt::format(
                          "The median run of sweep “{}”: in the cell with the most finished runs "
                          "({} {}), the run with the median final test accuracy. Choose another "
                          "with --run ID.",
                          sweep, r->group_spec, r->augment));
      }
    }
  }
  if (o.run > 0) draw_run(o.run, "The run chosen with --run.");

  std::string page = fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<title>symsweep report: {title}</title>\n<style>{style}</style>\n</head>\n<body>\n"
      "<h1>symsweep report</h1>\n<p class=\"meta\">Database <code>{db}</code> · written {now} · "
      "{figs} figures. Each figure links to its SVG, its gnuplot script and its data; edit a "
      "script and run <code>gnuplot NAME.gp</code> in this directory to redraw it.</p>\n"
      "<nav><ul>\n{nav}</ul></nav>\n{body}{runs}</body>\n</html>\n",
      fmt::arg("title", html(fs::path(o.db).filename().string())), fmt::arg("style", kStyle),
      fmt::arg("db", html(o.db)), fmt::arg("now", utc_now()), fmt::arg("figs", ctx.figures.size()),
      fmt::arg("nav", nav + nav_runs), fmt::arg("body", body), fmt::arg("runs", [&] {
        std::string s;
        for (const std::string& r : run_sections) s += r;
        return s;
      }()));
  write_file(ctx.dir / "index.html", page);
  fmt::print("report: {} figures in {}; open {}\n", ctx.figures.size(), ctx.dir.string(),
             (ctx.dir / "index.html").string());
  return 0;
}

}  // namespace symsweep::sweeps
