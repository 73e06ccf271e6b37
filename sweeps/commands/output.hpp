#pragma once

#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "store/sqlite.hpp"

namespace symsweep::sweeps {

/// Output of query results, shared by the query commands (and reusable by reports): the
/// formats, the row writers, and the text forms of values.

/// Output formats of query results.
enum class OutputFormat { kTable, kCsv, kJson };

/// Parses `value` given to `flag` of `command`; `allowed` lists the accepted formats. Throws
/// InputError naming the command, the flag and the value.
OutputFormat parse_output_format(std::string_view command, std::string_view flag,
                                 std::string_view value, const std::vector<OutputFormat>& allowed);

/// Receives a result set: begin() once with the column names, row() per row (as many values as
/// columns), end() once.
class RowWriter {
 public:
  virtual ~RowWriter() = default;
  virtual void begin(const std::vector<std::string>& columns) = 0;
  virtual void row(const std::vector<SqlValue>& values) = 0;
  virtual void end() = 0;
};

/// A writer to `out` (not owned; must outlive the writer). kTable buffers the rows to align the
/// columns (NULL as "-", reals with up to 6 significant digits); kCsv (RFC 4180 quoting, a header
/// row, NULL as an empty field) and kJson (an array of objects; NULL as null, integers as
/// integers, reals as reals) stream row by row.
std::unique_ptr<RowWriter> make_row_writer(OutputFormat format, std::FILE* out);

/// Streams every row of `rows` to `w` (begin, row per row, end).
void write_rows(RowSource& rows, RowWriter& w);
/// Writes rows held in memory to `w` (begin, row per row, end).
void write_rows(const std::vector<std::string>& columns,
                const std::vector<std::vector<SqlValue>>& rows, RowWriter& w);

/// `s` on one line: control characters (newlines, tabs) become spaces.
std::string one_line(std::string_view s);
/// The table form of a value: NULL as "-", reals with up to 6 significant digits, text on one
/// line.
std::string table_cell(const SqlValue& v);
/// The JSON form of a value: NULL (and a non-finite real) as null.
nlohmann::ordered_json json_value(const SqlValue& v);
/// `j` as text (`indent` < 0: on one line); invalid UTF-8 is replaced, never an error.
std::string dump_json(const nlohmann::ordered_json& j, int indent = -1);
/// "1d 02h", "3h 04m", "5m 06s", "7s".
std::string format_duration(double seconds);

}  // namespace symsweep::sweeps
