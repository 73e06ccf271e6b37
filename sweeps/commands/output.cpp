#include "commands/output.hpp"

#include <fmt/core.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <set>
#include <utility>
#include <variant>

#include "symsweep/core/error.hpp"
#include "report/text.hpp"

namespace symsweep::sweeps {

namespace {

using ojson = nlohmann::ordered_json;

/// Width of UTF-8 text in code points (what a terminal shows for most text).
std::size_t display_width(std::string_view s) {
  return static_cast<std::size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

bool is_number(const SqlValue& v) {
  return std::holds_alternative<std::int64_t>(v) || std::holds_alternative<double>(v);
}

/// The CSV form (RFC 4180): NULL as an empty field, reals in shortest round-trip form, text
/// quoted when it holds a comma, a quote or a line break (and when empty, to tell it from NULL).
std::string csv_text(std::string_view s) { return report::csv_quote(s); }

std::string csv_cell(const SqlValue& v) {
  if (std::holds_alternative<std::monostate>(v)) return "";
  if (const auto* i = std::get_if<std::int64_t>(&v)) return fmt::format("{}", *i);
  if (const auto* d = std::get_if<double>(&v)) return fmt::format("{}", *d);
  return csv_text(std::get<std::string>(v));
}

class TableWriter final : public RowWriter {
 public:
  explicit TableWriter(std::FILE* out) : out_(out) {}

  void begin(const std::vector<std::string>& columns) override {
    header_ = columns;
    numeric_.assign(columns.size(), true);
    any_value_.assign(columns.size(), false);
  }

  void row(const std::vector<SqlValue>& values) override {
    std::vector<std::string> cells;
    cells.reserve(values.size());
    for (std::size_t c = 0; c < values.size(); ++c) {
      if (!std::holds_alternative<std::monostate>(values[c])) {
        any_value_[c] = true;
        if (!is_number(values[c])) numeric_[c] = false;
      }
      cells.push_back(table_cell(values[c]));
    }
    rows_.push_back(std::move(cells));
  }

  void end() override {
    if (header_.empty()) return;
    std::vector<std::size_t> width(header_.size());
    for (std::size_t c = 0; c < header_.size(); ++c) width[c] = display_width(header_[c]);
    for (const auto& r : rows_) {
      for (std::size_t c = 0; c < r.size(); ++c) width[c] = std::max(width[c], display_width(r[c]));
    }
    print_line(header_, width);
    std::vector<std::string> rule;
    rule.reserve(width.size());
    for (std::size_t w : width) rule.emplace_back(w, '-');
    print_line(rule, width);
    for (const auto& r : rows_) print_line(r, width);
    std::fflush(out_);
  }

 private:
  void print_line(const std::vector<std::string>& cells, const std::vector<std::size_t>& width) {
    std::string line;
    for (std::size_t c = 0; c < cells.size(); ++c) {
      if (c > 0) line += "  ";
      const std::string pad(width[c] - display_width(cells[c]), ' ');
      const bool right = numeric_[c] && any_value_[c];
      line += right ? pad + cells[c] : cells[c] + pad;
    }
    line.erase(line.find_last_not_of(' ') + 1);
    fmt::print(out_, "{}\n", line);
  }

  std::FILE* out_;
  std::vector<std::string> header_;
  std::vector<bool> numeric_, any_value_;
  std::vector<std::vector<std::string>> rows_;
};

class CsvWriter final : public RowWriter {
 public:
  explicit CsvWriter(std::FILE* out) : out_(out) {}

  void begin(const std::vector<std::string>& columns) override {
    std::vector<std::string> names;
    names.reserve(columns.size());
    for (const auto& c : columns) names.push_back(csv_text(c));
    fmt::print(out_, "{}\n", fmt::join(names, ","));
  }

  void row(const std::vector<SqlValue>& values) override {
    std::string line;
    for (std::size_t c = 0; c < values.size(); ++c) {
      if (c > 0) line += ',';
      line += csv_cell(values[c]);
    }
    fmt::print(out_, "{}\n", line);
  }

  void end() override { std::fflush(out_); }

 private:
  std::FILE* out_;
};

class JsonWriter final : public RowWriter {
 public:
  explicit JsonWriter(std::FILE* out) : out_(out) {}

  void begin(const std::vector<std::string>& columns) override {
    // Keys of an object must be unique: a repeated column name gets a suffix (a, a_2, ...).
    std::set<std::string> seen;
    for (const auto& c : columns) {
      std::string key = c;
      for (int n = 2; seen.count(key) != 0; ++n) key = fmt::format("{}_{}", c, n);
      seen.insert(key);
      keys_.push_back(std::move(key));
    }
    fmt::print(out_, "[");
  }

  void row(const std::vector<SqlValue>& values) override {
    ojson obj = ojson::object();
    for (std::size_t c = 0; c < values.size(); ++c) obj[keys_[c]] = json_value(values[c]);
    fmt::print(out_, "{}{}", rows_++ == 0 ? "\n" : ",\n", dump_json(obj));
  }

  void end() override {
    fmt::print(out_, "{}]\n", rows_ == 0 ? "" : "\n");
    std::fflush(out_);
  }

 private:
  std::FILE* out_;
  std::vector<std::string> keys_;
  std::size_t rows_ = 0;
};

}  // namespace

std::string one_line(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  }
  return out;
}

std::string table_cell(const SqlValue& v) {
  if (std::holds_alternative<std::monostate>(v)) return "-";
  if (const auto* i = std::get_if<std::int64_t>(&v)) return fmt::format("{}", *i);
  if (const auto* d = std::get_if<double>(&v)) return fmt::format("{:.6g}", *d);
  return one_line(std::get<std::string>(v));
}

ojson json_value(const SqlValue& v) {
  if (std::holds_alternative<std::monostate>(v)) return nullptr;
  if (const auto* i = std::get_if<std::int64_t>(&v)) return *i;
  if (const auto* d = std::get_if<double>(&v)) return std::isfinite(*d) ? ojson(*d) : ojson();
  return std::get<std::string>(v);
}

std::string dump_json(const ojson& j, int indent) {
  return j.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string format_duration(double seconds) {
  const auto s = static_cast<std::int64_t>(std::llround(std::max(seconds, 0.0)));
  if (s >= 86400) return fmt::format("{}d {:02}h", s / 86400, s % 86400 / 3600);
  if (s >= 3600) return fmt::format("{}h {:02}m", s / 3600, s % 3600 / 60);
  if (s >= 60) return fmt::format("{}m {:02}s", s / 60, s % 60);
  return fmt::format("{}s", s);
}

OutputFormat parse_output_format(std::string_view command, std::string_view flag,
                                 std::string_view value, const std::vector<OutputFormat>& allowed) {
  static const std::pair<OutputFormat, const char*> kNames[] = {
      {OutputFormat::kTable, "table"}, {OutputFormat::kCsv, "csv"}, {OutputFormat::kJson, "json"}};
  std::vector<std::string> names;
  for (const auto& [format, name] : kNames) {
    if (std::find(allowed.begin(), allowed.end(), format) == allowed.end()) continue;
    if (value == name) return format;
    names.emplace_back(name);
  }
  throw InputError(
      fmt::format("{}: {} \"{}\": expected {}", command, flag, value, fmt::join(names, " or ")));
}

std::unique_ptr<RowWriter> make_row_writer(OutputFormat format, std::FILE* out) {
  switch (format) {
    case OutputFormat::kCsv:
      return std::make_unique<CsvWriter>(out);
    case OutputFormat::kJson:
      return std::make_unique<JsonWriter>(out);
    case OutputFormat::kTable:
      break;
  }
  return std::make_unique<TableWriter>(out);
}

void write_rows(RowSource& rows, RowWriter& w) {
  w.begin(rows.column_names());
  while (rows.step()) w.row(rows.values());
  w.end();
}

void write_rows(const std::vector<std::string>& columns,
                const std::vector<std::vector<SqlValue>>& rows, RowWriter& w) {
  w.begin(columns);
  for (const auto& r : rows) w.row(r);
  w.end();
}

}  // namespace symsweep::sweeps
