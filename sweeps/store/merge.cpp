#include "store/merge.hpp"

#include <fmt/core.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <system_error>
#include <unordered_map>

#include "symsweep/core/error.hpp"
#include "symsweep/core/npy.hpp"
#include "store/open_database.hpp"
#include "store/sqlite.hpp"
#include "store/store.hpp"

namespace symsweep::sweeps {

namespace {

namespace fs = std::filesystem;
using IdMap = std::unordered_map<std::int64_t, std::int64_t>;

/// Status order for deduplication: a finished copy beats a failed one beats an unfinished one.
int status_rank(const SqlValue& status) {
  const auto* s = std::get_if<std::string>(&status);
  if (s == nullptr) return 0;
  if (*s == "done") return 3;
  if (*s == "diverged" || *s == "failed") return 2;
  return 1;
}

/// Columns of `table` present in both files (in OUT's order), without those in `exclude`.
std::vector<std::string> shared_columns(Database& in, Database& out, const std::string& table,
                                        const std::vector<std::string>& exclude) {
  const auto in_cols = in.table_columns(table);
  std::vector<std::string> cols;
  for (const auto& c : out.table_columns(table)) {
    const bool shared = std::ranges::find(in_cols, c) != in_cols.end();
    if (shared && std::ranges::find(exclude, c) == exclude.end()) cols.push_back(c);
  }
  return cols;
}

std::size_t index_of(const std::vector<std::string>& cols, const std::string& name) {
  const auto it = std::find(cols.begin(), cols.end(), name);
  if (it == cols.end()) throw Error(fmt::format("merge: column \"{}\" is missing", name));
  return static_cast<std::size_t>(it - cols.begin());
}

/// "?1, ?2, ..., ?n".
std::string placeholders(std::size_t n) {
  std::string out;
  for (std::size_t i = 1; i <= n; ++i) out += fmt::format("{}?{}", i > 1 ? ", " : "", i);
  return out;
}

/// OUT's id of IN's sweep `in_id`.
std::int64_t out_sweep(const IdMap& sweep_ids, std::int64_t in_id, const std::string& in_path) {
  const auto it = sweep_ids.find(in_id);
  if (it == sweep_ids.end()) {
    throw Error(
        fmt::format("merge: \"{}\": sweep id {} is referenced but missing", in_path, in_id));
  }
  return it->second;
}

/// Binds `row` to positions 1, 2, ... of `s`.
void bind_row(Statement& s, const std::vector<SqlValue>& row) {
  for (std::size_t c = 0; c < row.size(); ++c) s.bind(static_cast<int>(c + 1), row[c]);
}

/// Sweeps, unioned by name (OUT's spec is kept when both have the sweep). Returns IN's sweep
/// id -> OUT's.
IdMap merge_sweeps(Database& in, Database& out, const std::string& in_path,
                   const MergeWarning& warn, MergeCounts& counts) {
  IdMap sweep_ids;
  Statement sel = in.prepare("SELECT id, name, spec, spec_hash, created FROM sweeps ORDER BY id");
  Statement find = out.prepare("SELECT id, spec_hash FROM sweeps WHERE name = ?1");
  Statement ins =
      out.prepare("INSERT INTO sweeps (name, spec, spec_hash, created) VALUES (?1, ?2, ?3, ?4)");
  while (sel.step()) {
    const std::string name = sel.text(1);
    find.bind(1, name);
    if (find.step()) {
      sweep_ids[sel.integer(0)] = find.integer(0);
      if (find.text(1) != sel.text(3)) {
        warn(
            fmt::format(R"(sweep "{}" has a different spec in "{}"; keeping the one in the output)",
                        name, in_path));
      }
      find.reset();
      continue;
    }
    find.reset();
    ins.bind(1, name).bind(2, sel.text(2)).bind(3, sel.text(3)).bind(4, sel.text(4));
    ins.run();
    sweep_ids[sel.integer(0)] = out.last_insert_id();
    ++counts.sweeps_added;
  }
  return sweep_ids;
}

/// Runs of IN, deduplicated by config hash against OUT.
struct RunMerge {
  IdMap run_ids;                       ///< every IN run -> OUT run
  IdMap copy_runs;                     ///< runs whose rows come from IN
  std::vector<std::int64_t> replaced;  ///< OUT runs whose rows go
};

RunMerge merge_runs(Database& in, Database& out, const std::string& in_path, const IdMap& sweep_ids,
                    MergeCounts& counts) {
  RunMerge m;
  const auto cols = shared_columns(in, out, "runs", {"id"});
  const std::size_t sweep_col = index_of(cols, "sweep_id");
  const std::size_t hash_col = index_of(cols, "config_hash");
  const std::size_t status_col = index_of(cols, "status");
  Statement sel =
      in.prepare(fmt::format("SELECT id, {} FROM runs ORDER BY id", join_identifiers(cols)));
  Statement find = out.prepare("SELECT id, status FROM runs WHERE config_hash = ?1");
  Statement ins = out.prepare(fmt::format("INSERT INTO runs ({}) VALUES ({})",
                                          join_identifiers(cols), placeholders(cols.size())));
  // The kept run keeps its OUT id and sweep; every other column comes from IN.
  std::vector<std::string> sets;
  for (std::size_t c = 0; c < cols.size(); ++c) {
    if (c != sweep_col && c != hash_col) {
      sets.push_back(fmt::format("{} = ?{}", quote_identifier(cols[c]), c + 1));
    }
  }
  Statement upd = out.prepare(
      fmt::format("UPDATE runs SET {} WHERE id = ?{}", fmt::join(sets, ", "), cols.size() + 1));
  while (sel.step()) {
    const std::int64_t in_id = sel.integer(0);
    std::vector<SqlValue> row = sel.values();
    row.erase(row.begin());
    row[sweep_col] = out_sweep(sweep_ids, std::get<std::int64_t>(row[sweep_col]), in_path);
    find.bind(1, row[hash_col]);
    if (!find.step()) {
      find.reset();
      bind_row(ins, row);
      ins.run();
      const std::int64_t out_id = out.last_insert_id();
      m.run_ids[in_id] = out_id;
      m.copy_runs[in_id] = out_id;
      ++counts.added;
      continue;
    }
    const std::int64_t out_id = find.integer(0);
    const SqlValue out_status = find.text(1);
    find.reset();
    m.run_ids[in_id] = out_id;
    if (status_rank(row[status_col]) <= status_rank(out_status)) {
      ++counts.skipped;
      continue;
    }
    bind_row(upd, row);
    upd.bind(static_cast<int>(cols.size() + 1), out_id);
    upd.run();
    m.copy_runs[in_id] = out_id;
    m.replaced.push_back(out_id);
    ++counts.replaced;
  }
  return m;
}

/// Copies the rows of a per-run table (metrics, potentials, attempts) whose run is in
/// `copy_runs` (IN's run id -> OUT's run id).
void copy_run_rows(Database& in, Database& out, const std::string& table, const IdMap& copy_runs) {
  if (copy_runs.empty()) return;
  const auto cols = shared_columns(in, out, table, {});
  const std::size_t run_col = index_of(cols, "run_id");
  Statement sel =
      in.prepare(fmt::format("SELECT {} FROM {} ORDER BY rowid", join_identifiers(cols), table));
  Statement ins = out.prepare(fmt::format("INSERT INTO {} ({}) VALUES ({})", table,
                                          join_identifiers(cols), placeholders(cols.size())));
  while (sel.step()) {
    const auto it = copy_runs.find(sel.integer(static_cast<int>(run_col)));
    if (it == copy_runs.end()) continue;
    std::vector<SqlValue> row = sel.values();
    row[run_col] = it->second;
    bind_row(ins, row);
    ins.run();
  }
}

/// Membership of runs in sweeps: the union.
void merge_sweep_runs(Database& in, Database& out, const std::string& in_path,
                      const IdMap& sweep_ids, const IdMap& run_ids) {
  Statement sel = in.prepare("SELECT sweep_id, run_id FROM sweep_runs");
  Statement ins =
      out.prepare("INSERT OR IGNORE INTO sweep_runs (sweep_id, run_id) VALUES (?1, ?2)");
  while (sel.step()) {
    const auto run = run_ids.find(sel.integer(1));
    if (run == run_ids.end()) continue;
    ins.bind(1, out_sweep(sweep_ids, sel.integer(0), in_path)).bind(2, run->second);
    ins.run();
  }
}

/// Fits: copied, except rows already there (merging the same file twice adds nothing).
void merge_fits(Database& in, Database& out) {
  const auto cols = shared_columns(in, out, "fits", {"id"});
  std::vector<std::string> same;
  for (std::size_t c = 0; c < cols.size(); ++c) {
    same.push_back(fmt::format("{} IS ?{}", quote_identifier(cols[c]), c + 1));
  }
  Statement sel =
      in.prepare(fmt::format("SELECT {} FROM fits ORDER BY id", join_identifiers(cols)));
  Statement ins = out.prepare(
      fmt::format("INSERT INTO fits ({}) SELECT {} WHERE NOT EXISTS (SELECT 1 FROM fits WHERE {})",
                  join_identifiers(cols), placeholders(cols.size()), fmt::join(same, " AND ")));
  while (sel.step()) {
    bind_row(ins, sel.values());
    ins.run();
  }
}

/// The saved particles of the runs copied from IN (IN's run id -> OUT's), from IN's particles
/// directory into that of OUT (at `out_path`, its final name). Each file is read and checked as
/// an .npy and written whole (core::write_npy); one IN names but lacks is reported, and its
/// run's `particles` cleared.
void carry_particles(Database& out, const std::string& in_path, const std::string& out_path,
                     const IdMap& copy_runs, const MergeWarning& warn, MergeCounts& counts) {
  if (copy_runs.empty()) return;
  std::vector<std::int64_t> ids;
  for (const auto& entry : copy_runs) ids.push_back(entry.second);
  Statement sel = out.prepare(
      "SELECT id, particles FROM runs WHERE particles IS NOT NULL AND id IN (SELECT value FROM "
      "json_each(?1)) ORDER BY id");
  sel.bind(1, nlohmann::json(ids).dump());
  std::vector<std::pair<std::int64_t, std::string>> files;
  while (sel.step()) files.emplace_back(sel.integer(0), sel.text(1));
  if (files.empty()) return;
  const std::string from = particles_dir(in_path), to = particles_dir(out_path);
  std::error_code ec;
  fs::create_directories(to, ec);
  if (ec) {
    throw Error(fmt::format("merge: cannot create the particles directory \"{}\": {}", to,
                            ec.message()));
  }
  Statement clear = out.prepare("UPDATE runs SET particles = NULL WHERE id = ?1");
  for (const auto& [id, file] : files) {
    const std::string src = from + "/" + file;
    Eigen::MatrixXd z;
    try {
      z = core::read_npy(src);
    } catch (const InputError& e) {
      warn(fmt::format("\"{}\" names saved particles it does not have ({}); merged run {} has none",
                       in_path, e.what(), id));
      clear.bind(1, id).run();
      continue;
    }
    core::write_npy(to + "/" + file, z);
    ++counts.particles;
  }
}

/// GAP's answers: the union. An answer OUT already holds differently (another GAP gave another
/// table) stays; its runs differ in their config hash, so both sets of runs are kept apart.
void merge_gap_answers(Database& in, Database& out, const std::string& in_path,
                       const MergeWarning& warn) {
  if (!has_table(in, "gap_answers")) return;
  Statement sel = in.prepare("SELECT question, answer FROM gap_answers ORDER BY question");
  Statement find = out.prepare("SELECT answer FROM gap_answers WHERE question = ?1");
  Statement ins = out.prepare("INSERT INTO gap_answers (question, answer) VALUES (?1, ?2)");
  while (sel.step()) {
    const std::string question = sel.text(0), answer = sel.text(1);
    find.bind(1, question);
    if (find.step()) {
      if (find.text(0) != answer) {
        warn(fmt::format("\"{}\" has another answer from GAP to \"{}\"; the merged file keeps "
                         "its own (the runs of each keep their own config hashes)",
                         in_path, question));
      }
    } else {
      ins.bind(1, question).bind(2, answer).run();
    }
    find.reset();
  }
}

/// Merges IN into OUT inside the caller's transaction on `out` (whose final path is out_path).
MergeCounts merge_one(Database& out, const std::string& out_path, const std::string& in_path,
                      const MergeWarning& warn) {
  const auto in_db = open_existing_results(in_path, "merge", "IN");
  Database& in = *in_db;
  MergeCounts counts;
  const IdMap sweep_ids = merge_sweeps(in, out, in_path, warn, counts);
  const RunMerge runs = merge_runs(in, out, in_path, sweep_ids, counts);
  // The rows of replaced runs go, the kept copy's rows come.
  constexpr const char* kRunTables[] = {"metrics", "potentials", "attempts"};
  if (!runs.replaced.empty()) {
    const std::string ids = nlohmann::json(runs.replaced).dump();
    for (const char* table : kRunTables) {
      out.prepare(
             fmt::format("DELETE FROM {} WHERE run_id IN (SELECT value FROM json_each(?1))", table))
          .bind(1, ids)
          .run();
    }
  }
  for (const char* table : kRunTables) copy_run_rows(in, out, table, runs.copy_runs);
  merge_sweep_runs(in, out, in_path, sweep_ids, runs.run_ids);
  merge_fits(in, out);
  merge_gap_answers(in, out, in_path, warn);
  carry_particles(out, in_path, out_path, runs.copy_runs, warn, counts);
  return counts;
}

bool same_file(const std::string& a, const std::string& b) {
  std::error_code ec;
  if (fs::exists(a, ec) && fs::exists(b, ec) && fs::equivalent(a, b, ec)) return true;
  const fs::path ca = fs::weakly_canonical(a, ec);
  const fs::path cb = fs::weakly_canonical(b, ec);
  return !ca.empty() && ca == cb;
}

/// A database file and the files SQLite keeps beside it.
void remove_database_files(const std::string& base) {
  std::error_code ec;
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) fs::remove(base + suffix, ec);
}

}  // namespace

std::vector<MergeCounts> merge_results(const std::string& out,
                                       const std::vector<std::string>& inputs,
                                       const MergeWarning& warn) {
  if (out.empty()) throw InputError("merge: OUT is required (the merged database)");
  if (inputs.empty()) throw InputError("merge: at least one IN database is required");
  // Every input is checked before OUT is touched.
  for (const auto& in : inputs) {
    if (same_file(out, in)) {
      throw InputError(fmt::format(
          R"(merge: OUT "{}" is also an input ("{}"); merge into a new or another file)", out, in));
    }
    require_existing_results(in, "merge", "IN");
  }
  const bool out_exists = check_results_to_write(out, "merge", "OUT");
  if (on_network_filesystem(out)) {
    warn(fmt::format(
        "\"{}\" is on a network file system; SQLite's locking and WAL are not safe there", out));
  }
  // All inputs in one transaction: a failure leaves OUT as it was.
  std::vector<MergeCounts> counts;
  auto merge_all = [&](Database& db) {
    Transaction tx(db);
    for (const auto& in : inputs) counts.push_back(merge_one(db, out, in, warn));
    tx.commit();
  };
  if (out_exists) {
    ResultsStore store(out, Database::Mode::kReadWrite);
    merge_all(store.db());
    return counts;
  }
  // A new OUT is built beside it under a temporary name and renamed into place once every
  // input is in: a failure leaves no OUT behind.
  const fs::path out_path = fs::absolute(out);
  const std::string tmp = (out_path.parent_path() /
                           fmt::format(".{}.merging-{}", out_path.filename().string(), ::getpid()))
                              .string();
  remove_database_files(tmp);
  try {
    {
      ResultsStore store(tmp, Database::Mode::kReadWrite);
      merge_all(store.db());
      store.db().exec("PRAGMA wal_checkpoint(TRUNCATE)");
    }  // closed: its WAL is folded into the file and removed
    // An empty OUT (or a WAL left without its database) must not be applied to the new file.
    remove_database_files(out_path.string());
    fs::rename(tmp, out_path);
    remove_database_files(tmp);
  } catch (...) {
    remove_database_files(tmp);
    throw;
  }
  return counts;
}

}  // namespace symsweep::sweeps
