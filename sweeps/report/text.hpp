#pragma once

// Text forms shared by the report's figures and its page.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace symsweep::sweeps::report {

/// A number for data files and scripts ("NaN" for a missing value, which gnuplot skips).
std::string num(double v);
std::string num(const std::optional<double>& v);

/// A number for people: `digits` significant digits; "–" for a missing value, "∞" / "−∞".
std::string show(double v, int digits = 3);

/// Run ids for a caption, consecutive ones as ranges: "3, 5–9, 12" (sorted, without repeats).
std::string id_ranges(std::vector<std::int64_t> ids);

/// `s` escaped for HTML text and attribute values.
std::string html(const std::string& s);

/// A file-name-safe form of a sweep name ("sweep" when nothing is left).
std::string slug(const std::string& s);

/// One CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break, or is empty
/// (an empty field without quotes is NULL).
std::string csv_quote(std::string_view s);

/// A CSV file (RFC 4180, as `symsweep export` writes it): one line per row, fields quoted when
/// they hold a comma, a quote or a line break (and when empty, to tell them from NULL).
class CsvTable {
 public:
  explicit CsvTable(const std::vector<std::string>& header);
  /// Appends a row; add each field with the field() overloads, then end_row().
  CsvTable& field(const std::string& text);
  CsvTable& field(const char* text) { return field(std::string(text)); }
  CsvTable& field(const std::optional<std::string>& text);
  CsvTable& field(double v);  ///< shortest round-trip form; NaN: an empty field (NULL)
  CsvTable& field(const std::optional<double>& v);
  CsvTable& field(std::int64_t v);
  CsvTable& field(const std::optional<std::int64_t>& v);
  CsvTable& field(int v) { return field(static_cast<std::int64_t>(v)); }
  CsvTable& null();
  void end_row();
  const std::string& text() const { return text_; }

 private:
  void separate();
  std::string text_;
  bool first_ = true;
};

/// Writes `text` to `path` (replacing it); throws Error when it cannot.
void write_file(const std::filesystem::path& path, const std::string& text);

}  // namespace symsweep::sweeps::report
