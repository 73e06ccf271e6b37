#include "report/text.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <fstream>

#include "symsweep/core/error.hpp"

namespace symsweep::sweeps::report {

std::string num(double v) { return std::isfinite(v) ? fmt::format("{:.10g}", v) : "NaN"; }
std::string num(const std::optional<double>& v) { return v ? num(*v) : "NaN"; }

std::string show(double v, int digits) {
  if (!std::isfinite(v)) return std::isnan(v) ? "–" : (v > 0 ? "∞" : "−∞");
  return fmt::format("{:.{}g}", v, digits);
}

std::string id_ranges(std::vector<std::int64_t> ids) {
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  std::string out;
  for (std::size_t i = 0; i < ids.size();) {
    std::size_t j = i;
    while (j + 1 < ids.size() && ids[j + 1] == ids[j] + 1) ++j;
    if (!out.empty()) out += ", ";
    out += j == i ? std::to_string(ids[i]) : fmt::format("{}–{}", ids[i], ids[j]);
    i = j + 1;
  }
  return out;
}

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

std::string slug(const std::string& s) {
  std::string out;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.';
    out += ok ? c : '_';
  }
  return out.empty() ? "sweep" : out;
}

CsvTable::CsvTable(const std::vector<std::string>& header) {
  for (const std::string& h : header) field(h);
  end_row();
}

void CsvTable::separate() {
  if (!first_) text_ += ',';
  first_ = false;
}

std::string csv_quote(std::string_view s) {
  if (!s.empty() && s.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + '"';
}

CsvTable& CsvTable::field(const std::string& s) {
  separate();
  text_ += csv_quote(s);
  return *this;
}

CsvTable& CsvTable::field(const std::optional<std::string>& s) { return s ? field(*s) : null(); }

CsvTable& CsvTable::field(double v) {
  if (!std::isfinite(v)) return null();
  separate();
  text_ += fmt::format("{}", v);
  return *this;
}

CsvTable& CsvTable::field(const std::optional<double>& v) { return v ? field(*v) : null(); }

CsvTable& CsvTable::field(std::int64_t v) {
  separate();
  text_ += fmt::format("{}", v);
  return *this;
}

CsvTable& CsvTable::field(const std::optional<std::int64_t>& v) { return v ? field(*v) : null(); }

CsvTable& CsvTable::null() {
  separate();
  return *this;
}

void CsvTable::end_row() {
  text_ += '\n';
  first_ = true;
}

void write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << text;
  f.close();
  if (!f) throw Error(fmt::format("report: cannot write \"{}\"", path.string()));
}

}  // namespace symsweep::sweeps::report
