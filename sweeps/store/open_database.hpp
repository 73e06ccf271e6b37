#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "store/sqlite.hpp"

namespace symsweep::sweeps {

/// Throws DatabaseError (exit code 3) unless `path`, given to `flag` of `command`, is an
/// existing, readable SQLite file holding a symsweep results database (a schema_version table)
/// of a version this binary reads. Creates nothing. An empty `path` is an InputError (a usage
/// error). Messages are one line: `COMMAND: FLAG "PATH": what is wrong`.
void require_existing_results(const std::string& path, std::string_view command,
                              std::string_view flag);

/// Throws DatabaseError unless the open connection `db` is a symsweep results database of a
/// version this binary reads (the schema part of require_existing_results).
void require_results_schema(Database& db, std::string_view command, std::string_view flag);

/// require_existing_results, then a connection in `mode`. Read-write opens the existing file
/// (it is never created); a ResultsStore opened on it afterwards migrates it.
std::unique_ptr<Database> open_existing_results(const std::string& path, std::string_view command,
                                                std::string_view flag,
                                                Database::Mode mode = Database::Mode::kReadOnly);

/// For `run` and `merge`'s OUT, which create their database: a missing file, an empty file and
/// an SQLite file without any table are fine (returns false: nothing to keep; true when it is a
/// results database). Anything else throws DatabaseError: a directory or other non-file, an
/// unreadable or read-only file, not SQLite, an SQLite file of someone else's tables, a newer
/// schema.
bool check_results_to_write(const std::string& path, std::string_view command,
                            std::string_view flag);

}  // namespace symsweep::sweeps
