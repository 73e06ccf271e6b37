#include "store/sqlite.hpp"

#include <sys/vfs.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <thread>

#include "symsweep/core/error.hpp"

namespace symsweep::sweeps {

namespace {

bool (*g_wait_interrupt)() = nullptr;

[[noreturn]] void fail(sqlite3* db, const std::string& what) {
  throw_sqlite_error(db, db != nullptr ? sqlite3_errcode(db) : SQLITE_NOMEM, what);
}

/// Busy handler of writers: exponential backoff up to a total wait, interrupted by signals.
int writer_busy_handler(void* database, int count) {
  const auto* db = static_cast<const Database*>(database);
  auto give_up = [db] {
    return db->waits_cancelled() || (g_wait_interrupt != nullptr && g_wait_interrupt());
  };
  if (give_up()) return 0;
  // Waited so far after `count` retries: 1 + 2 + 4 + ... capped at 100 ms per retry.
  long waited = 0;
  for (int i = 0; i < count; ++i) waited += std::min(100L, 1L << std::min(i, 20));
  if (waited >= db->writer_wait_ms()) return 0;
  const long nap = std::min(100L, 1L << std::min(count, 20));
  // Sleep in slices so that a stop signal is noticed within 10 ms.
  for (long slept = 0; slept < nap; slept += 10) {
    std::this_thread::sleep_for(std::chrono::milliseconds(std::min(10L, nap - slept)));
    if (give_up()) return 0;
  }
  return 1;
}

std::string file_of(sqlite3* db) {
  const char* f = db != nullptr ? sqlite3_db_filename(db, "main") : nullptr;
  return f != nullptr && *f != '\0' ? f : "?";
}

}  // namespace

void throw_sqlite_error(sqlite3* db, int rc, const std::string& what) {
  const std::string msg = db != nullptr ? sqlite3_errmsg(db) : "out of memory";
  const std::string text = "database \"" + file_of(db) + "\": " + what + ": " + msg;
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      throw DatabaseBusy(text + (g_wait_interrupt != nullptr && g_wait_interrupt()
                                     ? " (stopped waiting: a stop signal arrived)"
                                     : " (held by another process for more than " +
                                           std::to_string(Database::kWriterWaitMs / 1000) +
                                           " s)"));
    case SQLITE_NOTADB:
    case SQLITE_CANTOPEN:
      throw DatabaseError(text);
    default:
      throw Error(text);
  }
}

void Database::set_wait_interrupt(bool (*interrupted)()) { g_wait_interrupt = interrupted; }

Statement::Statement(sqlite3* db, std::string_view sql) : db_(db) {
  const char* tail = nullptr;
  if (sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &stmt_, &tail) !=
      SQLITE_OK) {
    fail(db, "SQL error");
  }
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement& Statement::bind(int i, std::int64_t v) {
  if (sqlite3_bind_int64(stmt_, i, v) != SQLITE_OK) fail(db_, "bind");
  return *this;
}

Statement& Statement::bind(int i, double v) {
  const int rc = std::isfinite(v) ? sqlite3_bind_double(stmt_, i, v) : sqlite3_bind_null(stmt_, i);
  if (rc != SQLITE_OK) fail(db_, "bind");
  return *this;
}

Statement& Statement::bind(int i, const std::string& v) {
  if (sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT) !=
      SQLITE_OK) {
    fail(db_, "bind");
  }
  return *this;
}

Statement& Statement::bind(int i, std::nullopt_t) {
  if (sqlite3_bind_null(stmt_, i) != SQLITE_OK) fail(db_, "bind");
  return *this;
}

Statement& Statement::bind(int i, const SqlValue& v) {
  if (const auto* n = std::get_if<std::int64_t>(&v)) return bind(i, *n);
  if (const auto* d = std::get_if<double>(&v)) return bind(i, *d);
  if (const auto* t = std::get_if<std::string>(&v)) return bind(i, *t);
  return bind(i, std::nullopt);
}

bool Statement::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  sqlite3_reset(stmt_);
  throw_sqlite_error(db_, rc, "SQL");
}

void Statement::run() {
  while (step()) {
  }
  reset();
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

std::string Statement::text(int col) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
  // The length after the text: sqlite3_column_text may convert the value first.
  const auto n = static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col));
  return p != nullptr ? std::string(p, n) : std::string();
}

SqlValue Statement::value(int col) const {
  switch (type(col)) {
    case SQLITE_NULL:
      return {};
    case SQLITE_INTEGER:
      return integer(col);
    case SQLITE_FLOAT:
      return real(col);
    default:
      return text(col);
  }
}

std::vector<SqlValue> Statement::values() const {
  std::vector<SqlValue> row;
  row.reserve(static_cast<std::size_t>(columns()));
  for (int c = 0; c < columns(); ++c) row.push_back(value(c));
  return row;
}

std::vector<std::string> Statement::column_names() const {
  std::vector<std::string> names;
  names.reserve(static_cast<std::size_t>(columns()));
  for (int c = 0; c < columns(); ++c) names.push_back(name(c));
  return names;
}

Database::Database(const std::string& path, Mode mode) : path_(path) {
  if (mode == Mode::kReadOnly && !std::filesystem::exists(path)) {
    throw DatabaseError("database \"" + path + "\": no such file");
  }
  if (std::filesystem::is_directory(path)) {
    throw DatabaseError("database \"" + path + "\": is a directory, not a database file");
  }
  const int flags = mode == Mode::kReadOnly ? SQLITE_OPEN_READONLY
                                            : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
  if (sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
    const std::string msg = db_ != nullptr ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    throw DatabaseError("database \"" + path + "\": cannot open: " + msg);
  }
  try {
    if (mode == Mode::kReadOnly) {
      sqlite3_busy_timeout(db_, kBusyTimeoutMs);
      exec("PRAGMA query_only = 1");
    } else {
      sqlite3_busy_handler(db_, writer_busy_handler, this);
      exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON");
    }
  } catch (...) {
    sqlite3_close_v2(db_);
    db_ = nullptr;
    throw;
  }
}

Database::~Database() { sqlite3_close_v2(db_); }

void Database::exec(const std::string& sql) {
  char* err = nullptr;
  const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    sqlite3_free(err);
    throw_sqlite_error(db_, sqlite3_extended_errcode(db_), "SQL");
  }
}

std::vector<std::string> Database::table_columns(const std::string& table) {
  return prepare("SELECT * FROM " + quote_identifier(table)).column_names();
}

void Database::restrict_to_reading() {
  sqlite3_set_authorizer(
      db_,
      [](void*, int action, const char*, const char*, const char*, const char*) {
        switch (action) {
          case SQLITE_SELECT:
          case SQLITE_READ:
          case SQLITE_FUNCTION:
          case SQLITE_RECURSIVE:
            return SQLITE_OK;
          default:
            return SQLITE_DENY;
        }
      },
      nullptr);
}

Transaction::Transaction(Database& db) : db_(db) { db_.exec("BEGIN IMMEDIATE"); }

Transaction::~Transaction() {
  if (!done_) sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
}

void Transaction::commit() {
  db_.exec("COMMIT");
  done_ = true;
}

std::string quote_identifier(const std::string& name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + '"';
}

std::string join_identifiers(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ", ") + quote_identifier(n);
  return out;
}

bool on_network_filesystem(const std::string& path) {
  std::filesystem::path p = std::filesystem::absolute(path);
  if (!std::filesystem::exists(p)) p = p.parent_path();
  struct statfs s {};
  if (statfs(p.c_str(), &s) != 0) return false;
  constexpr long kNfs = 0x6969, kLustre = 0x0BD00BD0, kGpfs = 0x47504653, kCifs = 0xFF534D42,
                 kSmb2 = 0xFE534D42, kFuse = 0x65735546, kBeegfs = 0x19830326;
  const long t = static_cast<long>(s.f_type);
  return t == kNfs || t == kLustre || t == kGpfs || t == kCifs || t == kSmb2 || t == kBeegfs ||
         t == kFuse;
}

bool has_table(Database& db, const std::string& name) {
  Statement s = db.prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1");
  s.bind(1, name);
  s.step();
  return s.integer(0) > 0;
}

bool has_column(Database& db, const std::string& table, const std::string& column) {
  // The statement's column names, not PRAGMA table_info: a connection restricted to reading
  // (the sandbox's authorizer) refuses pragmas. `table` is the program's own name, never input.
  Statement s = db.prepare("SELECT * FROM " + table + " LIMIT 0");
  for (int c = 0; c < s.columns(); ++c) {
    if (s.name(c) == column) return true;
  }
  return false;
}

}  // namespace symsweep::sweeps
