#include "sweeps/sqlite.hpp"

#include <sys/vfs.h>

#include <cmath>
#include <filesystem>

#include "core/error.hpp"

namespace symsweep::sweeps {

namespace {

[[noreturn]] void fail(sqlite3* db, const std::string& what) {
  throw Error(what + ": " + (db != nullptr ? sqlite3_errmsg(db) : "out of memory"));
}

}  // namespace

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

bool Statement::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  const std::string msg = sqlite3_errmsg(db_);
  sqlite3_reset(stmt_);
  throw Error("SQL error: " + msg);
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
  const auto* p = sqlite3_column_text(stmt_, col);
  return p != nullptr ? std::string(reinterpret_cast<const char*>(p)) : std::string();
}

Database::Database(const std::string& path, Mode mode) : path_(path) {
  if (mode == Mode::kReadOnly && !std::filesystem::exists(path)) {
    throw InputError("database \"" + path + "\": no such file");
  }
  const int flags = mode == Mode::kReadOnly ? SQLITE_OPEN_READONLY
                                            : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
  if (sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
    const std::string msg = db_ != nullptr ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    throw Error("database \"" + path + "\": cannot open: " + msg);
  }
  sqlite3_busy_timeout(db_, kBusyTimeoutMs);
  if (mode == Mode::kReadOnly) {
    exec("PRAGMA query_only = 1");
  } else {
    exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON");
  }
}

Database::~Database() { sqlite3_close_v2(db_); }

void Database::exec(const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    const std::string msg = err != nullptr ? err : "unknown error";
    sqlite3_free(err);
    throw Error("database \"" + path_ + "\": " + msg);
  }
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

}  // namespace symsweep::sweeps
