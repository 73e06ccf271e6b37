#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "store/sqlite.hpp"

namespace symsweep::sweeps {

/// A user's SQL text for an error message: on one line (control characters as spaces) and
/// shortened to 60 characters.
std::string sql_excerpt(std::string_view sql);

/// A statement written by a user (`sql QUERY`, `runs --where EXPR`), kept to reading: the
/// connection is restricted to reading (Database::restrict_to_reading: writes, ATTACH, PRAGMA
/// and schema changes are refused when prepared), the text must hold exactly one statement
/// (blanks, comments and empty statements may follow it), and SQLite must judge that statement
/// read-only. Errors that come from the statement itself are InputError (exit 2); those of the
/// file (locked, damaged, unreadable) are Error naming it.
class UserQuery final : public RowSource {
 public:
  /// Restricts `db` to reading from now on and prepares `sql` on it. `what` names the command
  /// and flag in error messages ("runs: --where \"...\"").
  UserQuery(Database& db, const std::string& sql, std::string what);

  std::vector<std::string> column_names() const override { return stmt_.column_names(); }
  bool step() override;
  std::vector<SqlValue> values() const override { return stmt_.values(); }

 private:
  Database& db_;
  std::string what_;
  Statement stmt_;
};

}  // namespace symsweep::sweeps
