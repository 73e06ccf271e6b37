#include "store/sql_sandbox.hpp"

#include <fmt/core.h>

#include <memory>
#include <string_view>
#include <utility>

#include "symsweep/core/error.hpp"

namespace symsweep::sweeps {

std::string sql_excerpt(std::string_view sql) {
  constexpr std::size_t kMax = 60;
  std::string t(sql);
  for (char& c : t) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  }
  if (t.size() > kMax) t = t.substr(0, kMax - 3) + "...";
  return t;
}

namespace {

/// Prepares the one reading statement of `sql`, or throws InputError saying why not.
Statement prepare_one_reading_statement(Database& db, const std::string& sql,
                                        const std::string& what) {
  db.restrict_to_reading();
  const char* tail = nullptr;
  sqlite3_stmt* raw = nullptr;
  const int rc =
      sqlite3_prepare_v2(db.handle(), sql.c_str(), static_cast<int>(sql.size()) + 1, &raw, &tail);
  // Finalized on every exit until it is handed over, a throw included.
  std::unique_ptr<sqlite3_stmt, decltype(&sqlite3_finalize)> stmt(raw, &sqlite3_finalize);
  if (rc != SQLITE_OK) {
    const std::string msg = sqlite3_errmsg(db.handle());
    throw InputError(fmt::format("{}: {}{}", what, msg,
                                 msg == "not authorized" ? " (only reading is allowed)" : ""));
  }
  if (stmt == nullptr) throw InputError(fmt::format("{}: no SQL statement", what));
  // What follows the first statement may be blanks, comments and empty statements, nothing
  // else: prepare it to see whether it holds a statement.
  while (tail != nullptr && *tail != '\0') {
    sqlite3_stmt* next = nullptr;
    const char* rest = nullptr;
    const int next_rc = sqlite3_prepare_v2(db.handle(), tail, -1, &next, &rest);
    sqlite3_finalize(next);
    if (next_rc != SQLITE_OK || next != nullptr || rest == tail) {
      throw InputError(fmt::format("{}: only one SQL statement is allowed, found more: \"{}\"",
                                   what, sql_excerpt(tail)));
    }
    tail = rest;
  }
  if (sqlite3_stmt_readonly(stmt.get()) == 0) {
    throw InputError(fmt::format("{}: only reading statements are allowed", what));
  }
  return Statement::adopt(db.handle(), stmt.release());
}

}  // namespace

UserQuery::UserQuery(Database& db, const std::string& sql, std::string what)
    : db_(db), what_(std::move(what)), stmt_(prepare_one_reading_statement(db, sql, what_)) {}

bool UserQuery::step() {
  const int rc = sqlite3_step(stmt_.handle());
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  const std::string msg = sqlite3_errmsg(db_.handle());
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_NOMEM:
    case SQLITE_IOERR:
    case SQLITE_CORRUPT:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_NOTADB:
      throw Error(fmt::format("{}: database \"{}\": {}", what_, db_.path(), msg));
    default:
      throw InputError(fmt::format("{}: {}", what_, msg));
  }
}

}  // namespace symsweep::sweeps
