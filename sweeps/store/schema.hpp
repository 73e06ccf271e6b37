#pragma once

#include "store/sqlite.hpp"

namespace symsweep::sweeps {

/// Current schema version; `ResultsStore` migrates older files forward when it opens them.
inline constexpr int kSchemaVersion = 16;

/// Creates the schema in a new (empty) file, or migrates an older results database forward to
/// kSchemaVersion, in one transaction. Throws DatabaseError for an SQLite file of someone else's
/// tables or a schema newer than this binary's.
void migrate_schema(Database& db);

/// The schema exactly as a binary of schema `version` created it (the first DDL and the
/// migrations up to `version`), in a new (empty) file: for tests of the migrations.
void create_schema_at(Database& db, int version);

}  // namespace symsweep::sweeps
