#include "report/gnuplot.hpp"

#include <fmt/core.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sstream>
#include <system_error>

#include "report/text.hpp"
#include "symsweep/core/error.hpp"

namespace symsweep::sweeps::report {

namespace fs = std::filesystem;

namespace {

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

}  // namespace

std::string series_colour(std::size_t i) {
  static constexpr std::array<const char*, 8> kColours = {
      "#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#666666"};
  return kColours[i % kColours.size()];
}

std::string viridis_colour(double t) {
  static constexpr std::array<std::array<int, 3>, 9> kStops = {{{0x44, 0x01, 0x54},
                                                                {0x47, 0x2d, 0x7b},
                                                                {0x3b, 0x52, 0x8b},
                                                                {0x2c, 0x72, 0x8e},
                                                                {0x21, 0x91, 0x8c},
                                                                {0x28, 0xae, 0x80},
                                                                {0x5e, 0xc9, 0x62},
                                                                {0xad, 0xdc, 0x30},
                                                                {0xfd, 0xe7, 0x25}}};
  const double x = std::clamp(t, 0.0, 1.0) * static_cast<double>(kStops.size() - 1);
  const auto i = std::min(static_cast<std::size_t>(x), kStops.size() - 2);
  const double w = x - static_cast<double>(i);
  std::array<int, 3> c{};
  for (std::size_t j = 0; j < 3; ++j) {
    c[j] = static_cast<int>(std::lround((1 - w) * kStops[i][j] + w * kStops[i + 1][j]));
  }
  return fmt::format("#{:02x}{:02x}{:02x}", c[0], c[1], c[2]);
}

std::string discrete_colour(std::size_t i, std::size_t count) {
  constexpr std::size_t kQualitative = 8;
  if (count <= kQualitative) return series_colour(i);
  // Stop short of viridis' pale yellow end, which is hard to see on white.
  return viridis_colour(0.9 * static_cast<double>(i) / static_cast<double>(count - 1));
}

std::string step_axis(double lo, double hi, bool log) {
  if (!log) {
    return fmt::format("unset logscale x\nset xrange [0:{}]\nset xtics autofreq\n", num(hi));
  }
  return fmt::format("set logscale x\nset xrange [{}:{}]\nset xtics {}\n", num(lo), num(hi),
                     enough_log_tics(lo, hi));
}

std::string gp_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += R"(\\\\)";
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

std::string gp_text(const std::string& s) {
  // Appended rather than `"\"" + ... + "\""`, which trips GCC 12's -Wrestrict (a false positive).
  std::string out = "\"";
  out += gp_escape(s);
  out += '"';
  return out;
}

std::string listed_tics(const std::vector<double>& values) {
  std::string out;
  for (double v : values) out += fmt::format("{}\"{:g}\" {:.10g}", out.empty() ? "" : ", ", v, v);
  return "(" + out + ")";
}

std::string log_tics(double lo, double hi, bool dense) {
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
  return listed_tics(tics);
}

std::string enough_log_tics(double lo, double hi) {
  const std::string t = log_tics(lo, hi);
  return std::count(t.begin(), t.end(), ',') < 3 ? log_tics(lo, hi, true) : t;
}

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

PlotList& PlotList::add(const std::string& item) {
  items_.push_back(item);
  return *this;
}

std::string PlotList::command() const {
  std::string s = "plot ";
  for (std::size_t i = 0; i < items_.size(); ++i) s += (i > 0 ? ", \\\n  " : "") + items_[i];
  return s + "\n";
}

std::pair<int, int> PanelGrid::canvas(int panel_w, int panel_h) const {
  const double w = cols * panel_w + (left + right + (cols - 1) * xgap) * kCharWidthPx;
  const double h = rows * panel_h + (top + bottom + (rows - 1) * ygap) * kCharHeightPx;
  return {static_cast<int>(std::lround(w)), static_cast<int>(std::lround(h))};
}

std::string PanelGrid::multiplot(const std::string& title) const {
  return fmt::format(
      "set multiplot layout {},{} margins char {:g}, char {:g}, char {:g}, char {:g} spacing "
      "char {:g}, char {:g} title {} font \",13\"\n",
      rows, cols, left, right, bottom, top, xgap, ygap, title);
}

std::string colorbox_beside_panel() {
  return "set colorbox user origin graph 1.035, graph 0 size graph 0.04, graph 1\n";
}

std::string empty_panel(const std::string& message) {
  return fmt::format(
      "set yrange [0:1]\nunset ytics\nset label 1 {} at graph 0.5, 0.5 center\n"
      "unset key\nplot -1 notitle\nunset label 1\nset ytics\n",
      gp_text(message));
}

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
  std::stringstream dirs(path != nullptr ? path : "");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    const fs::path p = fs::path(dir.empty() ? "." : dir) / name;
    if (::access(p.c_str(), X_OK) == 0 && fs::is_regular_file(p)) return p.string();
  }
  throw Error(hint);
}

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

}  // namespace symsweep::sweeps::report
