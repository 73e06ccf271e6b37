#include "store/open_database.hpp"

#include <fmt/core.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <vector>

#include "symsweep/core/error.hpp"
#include "store/store.hpp"

namespace symsweep::sweeps {

namespace {

/// What a file on disk is, as far as a results database goes.
struct Probe {
  bool exists = false;
  std::uintmax_t size = 0;
  int tables = 0;         ///< tables in sqlite_master
  bool symsweep = false;  ///< has a schema_version table
  std::int64_t version = 0;
  std::string missing;  ///< the first of the core tables (runs, sweeps, sweep_runs) not there
};

constexpr const char* kCoreTables[] = {"runs", "sweeps", "sweep_runs"};

class Failure {
 public:
  Failure(std::string_view command, std::string_view flag, const std::string& path)
      : prefix_(fmt::format("{}: {} \"{}\"", command, flag, path)) {}
  [[noreturn]] void operator()(const std::string& what) const {
    throw DatabaseError(prefix_ + ": " + what);
  }

 private:
  std::string prefix_;
};

/// The SQLite result code of `rc` as the cause of a failure to read the file.
std::string sqlite_cause(sqlite3* db, int rc) {
  switch (rc & 0xff) {
    case SQLITE_NOTADB:
      return "not an SQLite database";
    case SQLITE_CORRUPT:
      return fmt::format("a damaged SQLite database ({})", sqlite3_errmsg(db));
    default:
      return fmt::format("cannot read it: {}",
                         db != nullptr ? sqlite3_errmsg(db) : "out of memory");
  }
}

/// Looks at `path` without creating or changing anything: throws DatabaseError when it exists
/// and is not a readable (and with `writable`, writable) SQLite file.
Probe probe(const std::string& path, const Failure& fail, bool writable) {
  namespace fs = std::filesystem;
  Probe p;
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  if (!fs::exists(st)) {
    if (ec && ec != std::errc::no_such_file_or_directory) fail("cannot access it: " + ec.message());
    return p;
  }
  p.exists = true;
  if (fs::is_directory(st)) fail("is a directory, not a database file");
  if (!fs::is_regular_file(st)) fail("not a regular file");
  if (::access(path.c_str(), R_OK) != 0)
    fail(std::string("cannot read it: ") + std::strerror(errno));
  if (writable && ::access(path.c_str(), W_OK) != 0) {
    fail(std::string("cannot write it: ") + std::strerror(errno));
  }
  p.size = fs::file_size(path, ec);

  sqlite3* db = nullptr;
  struct Closer {
    sqlite3*& db;
    ~Closer() { sqlite3_close_v2(db); }
  } closer{db};
  if (const int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
      rc != SQLITE_OK) {
    fail(sqlite_cause(db, rc));
  }
  sqlite3_busy_timeout(db, Database::kBusyTimeoutMs);
  auto query = [&](const char* sql, auto&& row) {
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr);
    if (rc == SQLITE_OK) {
      while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) row(stmt);
      if (rc == SQLITE_DONE) rc = SQLITE_OK;
    }
    if (rc != SQLITE_OK) rc = sqlite3_extended_errcode(db);
    const std::string cause = rc != SQLITE_OK ? sqlite_cause(db, rc) : "";
    sqlite3_finalize(stmt);
    if (rc != SQLITE_OK) fail(cause);
  };
  std::vector<std::string> names;
  query("SELECT name FROM sqlite_master WHERE type = 'table'", [&](sqlite3_stmt* s) {
    ++p.tables;
    const auto* name = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
    if (name != nullptr) names.emplace_back(name);
  });
  p.symsweep = std::find(names.begin(), names.end(), "schema_version") != names.end();
  for (const char* t : kCoreTables) {
    if (p.missing.empty() && std::find(names.begin(), names.end(), t) == names.end()) p.missing = t;
  }
  if (p.symsweep) {
    query("SELECT max(version) FROM schema_version",
          [&](sqlite3_stmt* s) { p.version = sqlite3_column_int64(s, 0); });
  }
  return p;
}

void require_known_version(const Probe& p, const Failure& fail) {
  if (p.version > kSchemaVersion) {
    fail(fmt::format("schema version {} is newer than this symsweep's ({}); use a newer symsweep",
                     p.version, kSchemaVersion));
  }
}

}  // namespace

void require_existing_results(const std::string& path, std::string_view command,
                              std::string_view flag) {
  if (path.empty()) throw InputError(fmt::format("{}: {} FILE is required", command, flag));
  const Failure fail(command, flag, path);
  const Probe p = probe(path, fail, false);
  if (!p.exists) fail("no such file");
  if (!p.symsweep) {
    if (p.size == 0) fail("an empty file, not a symsweep results database");
    if (p.tables == 0) fail("an empty SQLite database, not a symsweep results database");
    fail("not a symsweep results database (no schema_version table)");
  }
  require_known_version(p, fail);
  if (!p.missing.empty()) {
    fail(fmt::format("a damaged symsweep results database (no {} table)", p.missing));
  }
}

void require_results_schema(Database& db, std::string_view command, std::string_view flag) {
  const Failure fail(command, flag, db.path());
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(db.handle(), "SELECT max(version) FROM schema_version", -1, &stmt,
                              nullptr);
  Probe p;
  p.symsweep = rc == SQLITE_OK;
  if (rc == SQLITE_OK) {
    rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) p.version = sqlite3_column_int64(stmt, 0);
    rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : sqlite3_extended_errcode(db.handle());
  }
  const std::string cause = rc != SQLITE_OK ? sqlite_cause(db.handle(), rc) : "";
  const bool missing_table = !p.symsweep && (rc & 0xff) == SQLITE_ERROR;
  sqlite3_finalize(stmt);
  if (missing_table) fail("not a symsweep results database (no schema_version table)");
  if (rc != SQLITE_OK) fail(cause);
  require_known_version(p, fail);
}

std::unique_ptr<Database> open_existing_results(const std::string& path, std::string_view command,
                                                std::string_view flag, Database::Mode mode) {
  require_existing_results(path, command, flag);
  return std::make_unique<Database>(path, mode);
}

bool check_results_to_write(const std::string& path, std::string_view command,
                            std::string_view flag) {
  if (path.empty()) throw InputError(fmt::format("{}: {} FILE is required", command, flag));
  const Failure fail(command, flag, path);
  const Probe p = probe(path, fail, true);
  if (!p.exists || p.tables == 0) return false;
  if (!p.symsweep) {
    fail(
        fmt::format("an SQLite database with {} other table{} but no schema_version: not a "
                    "symsweep results database (refusing to write into it)",
                    p.tables, p.tables == 1 ? "" : "s"));
  }
  require_known_version(p, fail);
  return true;
}

}  // namespace symsweep::sweeps
