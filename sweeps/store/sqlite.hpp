#pragma once

#include <sqlite3.h>

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "symsweep/core/error.hpp"

namespace symsweep::sweeps {

/// The database stayed locked by another connection for longer than the writer's wait limit
/// (or a stop signal ended the wait early).
class DatabaseBusy : public Error {
 public:
  using Error::Error;
};

/// One SQLite value: NULL, INTEGER, REAL or TEXT (BLOBs are read as text).
using SqlValue = std::variant<std::monostate, std::int64_t, double, std::string>;

/// A result set read row by row: the column names, then step() to each row and values() of it.
class RowSource {
 public:
  virtual ~RowSource() = default;

  virtual std::vector<std::string> column_names() const = 0;
  /// Steps to the next row; false after the last.
  virtual bool step() = 0;
  /// The values of the current row, one per column.
  virtual std::vector<SqlValue> values() const = 0;
};

/// A prepared statement. Bind positions are 1-based (SQLite's convention); column indices are
/// 0-based. Owned by the caller; must not outlive its Database.
class Statement final : public RowSource {
 public:
  Statement(sqlite3* db, std::string_view sql);
  /// Takes over `stmt`, prepared on `db` elsewhere (a user's statement, checked by the sandbox).
  static Statement adopt(sqlite3* db, sqlite3_stmt* stmt) { return Statement(db, stmt); }
  Statement(Statement&& o) noexcept : db_(o.db_), stmt_(std::exchange(o.stmt_, nullptr)) {}
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement() override;

  Statement& bind(int i, std::int64_t v);
  Statement& bind(int i, int v) { return bind(i, static_cast<std::int64_t>(v)); }
  Statement& bind(int i, double v);  ///< NaN and infinities are stored as NULL
  Statement& bind(int i, const std::string& v);
  Statement& bind(int i, const char* v) { return bind(i, std::string(v)); }
  Statement& bind(int i, std::nullopt_t);
  template <typename T>
  Statement& bind(int i, const std::optional<T>& v) {
    return v ? bind(i, *v) : bind(i, std::nullopt);
  }
  Statement& bind(int i, const SqlValue& v);
  /// Steps once; true while a row is available. Throws symsweep::Error on failure.
  bool step() override;
  /// Steps to completion (for statements without results), then resets for reuse.
  void run();
  void reset();

  int columns() const { return sqlite3_column_count(stmt_); }
  std::string name(int col) const { return sqlite3_column_name(stmt_, col); }
  bool is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  int type(int col) const { return sqlite3_column_type(stmt_, col); }
  std::int64_t integer(int col) const { return sqlite3_column_int64(stmt_, col); }
  double real(int col) const { return sqlite3_column_double(stmt_, col); }
  std::string text(int col) const;  ///< all of it, NUL bytes included
  std::optional<double> opt_real(int col) const {
    return is_null(col) ? std::nullopt : std::optional<double>(real(col));
  }
  /// The value of a column with its SQLite type.
  SqlValue value(int col) const;
  std::vector<SqlValue> values() const override;
  std::vector<std::string> column_names() const override;
  sqlite3_stmt* handle() const { return stmt_; }

 private:
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

/// A connection. Every connection sets a busy timeout; writers use WAL. Read-only connections
/// are opened with SQLITE_OPEN_READONLY and `PRAGMA query_only`, so nothing issued through
/// them can change the file.
class Database {
 public:
  enum class Mode { kReadWrite, kReadOnly };
  /// Readers wait this long for a lock (SQLite's busy timeout).
  static constexpr int kBusyTimeoutMs = 10000;
  /// Writers retry a locked database with exponential backoff (1 ms doubling to 100 ms) for at
  /// most this long in total per statement, then fail with DatabaseBusy.
  static constexpr int kWriterWaitMs = 10000;

  /// Process-wide: when set and returning true (a stop signal arrived), writers stop waiting for
  /// a lock at once and the statement fails with DatabaseBusy.
  static void set_wait_interrupt(bool (*interrupted)());

  /// Throws symsweep::Error naming the file when it cannot be opened (a read-only open of a
  /// missing file is an error, not a new empty database).
  Database(const std::string& path, Mode mode);
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  ~Database();

  sqlite3* handle() const { return db_; }
  const std::string& path() const { return path_; }
  /// Executes one or more statements without results.
  void exec(const std::string& sql);
  Statement prepare(std::string_view sql) { return Statement(db_, sql); }
  /// The column names of `table`, in the table's order.
  std::vector<std::string> table_columns(const std::string& table);
  std::int64_t last_insert_id() const { return sqlite3_last_insert_rowid(db_); }
  int changes() const { return sqlite3_changes(db_); }

  /// Writers on this connection wait at most `ms` for a lock from now on (e.g. a short wait for
  /// the clean-up after the database already failed).
  void set_writer_wait(int ms) { writer_wait_ms_ = ms; }
  /// Ends the current and every later wait for a lock at once (thread-safe).
  void cancel_waits() { cancelled_ = true; }
  bool waits_cancelled() const { return cancelled_; }
  int writer_wait_ms() const { return writer_wait_ms_; }

  /// Only SELECT-like reading is authorised from now on (an authorizer on the connection):
  /// ATTACH, PRAGMA, writes and schema changes are refused at prepare time.
  void restrict_to_reading();

 private:
  sqlite3* db_ = nullptr;
  std::string path_;
  std::atomic<int> writer_wait_ms_{kWriterWaitMs};
  std::atomic<bool> cancelled_{false};
};

/// Throws the project's exception for a failed SQLite call on `db`: DatabaseBusy for a lock,
/// DatabaseError for a file that is not a database, Error otherwise; the message names the file.
[[noreturn]] void throw_sqlite_error(sqlite3* db, int rc, const std::string& what);

/// BEGIN IMMEDIATE ... COMMIT; rolls back when destroyed without commit().
class Transaction {
 public:
  explicit Transaction(Database& db);
  ~Transaction();
  void commit();

 private:
  Database& db_;
  bool done_ = false;
};

/// `name` as an SQL identifier ("a""b" for a"b).
std::string quote_identifier(const std::string& name);
/// The names quoted and comma-separated ("a", "b").
std::string join_identifiers(const std::vector<std::string>& names);

/// True when `path` lies on a network file system (NFS, Lustre, GPFS, CIFS ...), where WAL
/// and SQLite's locking are not safe.
bool on_network_filesystem(const std::string& path);

/// Whether the file has the table `name` (older schema versions lack some).
bool has_table(Database& db, const std::string& name);
/// Whether `table` has `column` (older schema versions lack some).
bool has_column(Database& db, const std::string& table, const std::string& column);

}  // namespace symsweep::sweeps
