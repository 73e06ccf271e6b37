#include <fmt/core.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "symsweep/core/error.hpp"
#include "commands/cli.hpp"
#include "commands/query_commands.hpp"
#include "store/jobs.hpp"
#include "store/store.hpp"

namespace symsweep::sweeps {
namespace {

using nlohmann::json;

// ---------------------------------------------------------------------------------------------
// Fixtures: real results databases written through ResultsStore

/// How a test run ends up in the database.
struct RunPlan {
  RunPlan(double data_fraction_, std::uint64_t seed_, std::string status_,
          double wall_seconds_ = 10.0, double acc_ = 0.5, std::string error_ = {})
      : data_fraction(data_fraction_),
        seed(seed_),
        status(std::move(status_)),
        wall_seconds(wall_seconds_),
        acc(acc_),
        error(std::move(error_)) {}
  double data_fraction;
  std::uint64_t seed;
  std::string status;  ///< pending | running | done | failed | diverged
  double wall_seconds;
  double acc;         ///< the final test accuracy of a done run (sets its curve)
  std::string error;  ///< for failed runs
};

core::RunConfig config_of(const RunPlan& r) {
  core::RunConfig c;
  c.group = "cyclic:5";
  c.data_fraction = r.data_fraction;
  c.train.seed = r.seed;
  c.train.width = 16;
  c.train.steps = 10;
  c.train.log_every = 5;
  return c;
}

PlannedRun planned(const RunPlan& r) {
  PlannedRun p;
  p.config = config_of(r);
  p.config_json = canonical_config_json(p.config);
  p.config_hash = content_hash(p.config_json);
  p.group_order = 5;
  p.abelian = true;
  p.cost = 1.0;
  return p;
}

/// A logged curve of three steps whose values depend on `acc`, with rho_kkk at each step.
core::RunOutcome outcome_of(const RunPlan& r) {
  core::RunOutcome o;
  o.status = r.status == "done"       ? core::RunStatus::kDone
             : r.status == "diverged" ? core::RunStatus::kDiverged
                                      : core::RunStatus::kFailed;
  o.error = r.error;
  o.result.wall_seconds = r.wall_seconds;
  o.result.steps_done = 10;
  o.result.kappa = 1;
  o.train_pairs = 12;
  o.sampled_pairs = 12;
  if (o.status == core::RunStatus::kFailed) return o;
  for (int step : {0, 5, 10}) {
    core::StepMetrics m;
    m.step = step;
    m.train_loss = 1.0 / (1.0 + step * r.acc);
    m.train_acc = r.acc * step / 10.0;
    m.test_loss = 2.0 / (1.0 + step * r.acc);
    m.test_acc = r.acc * step / 10.0;
    m.full_loss = 1.5 / (1.0 + step);
    m.binary_gap = 0.1 * step + r.acc;
    m.effective_dim = 2.0 + step * r.acc;
    m.max_offtarget_mp = 0.01 * step;
    m.frequencies_per_neuron = 1.0;
    m.drift = {1e-9 * step, 2e-9 * step, 3e-9 * step};
    std::vector<std::complex<double>> rho;
    for (int k = 1; k <= 4; ++k) rho.emplace_back(0.1 * k * r.acc, -0.05 * k + step);
    m.rho_kkk = rho;
    o.result.log.push_back(m);
  }
  return o;
}

/// Writes the runs of one sweep (in the given order, so run ids follow it) and their outcomes.
void write_sweep(ResultsStore& store, const std::string& name, const std::string& spec_text,
                 const std::vector<RunPlan>& runs) {
  const std::int64_t sweep = store.upsert_sweep(name, spec_text, content_hash(spec_text));
  std::vector<PlannedRun> planned_runs;
  for (const auto& r : runs) planned_runs.push_back(planned(r));
  store.add_runs(sweep, planned_runs);
  const Provenance prov{"0.1.0", "abc1234", "node7", "Open MPI", 1};
  for (std::size_t i = 0; i < runs.size(); ++i) {
    if (runs[i].status == "pending") continue;
    Statement id = store.db().prepare("SELECT id FROM runs WHERE config_hash = ?1");
    id.bind(1, planned_runs[i].config_hash);
    id.step();
    store.mark_running(id.integer(0));
    if (runs[i].status == "running") {
      // Held by a live job: this process, with a long lease.
      const std::int64_t job = register_job(store.db(), {sweep, 1, 3600.0});
      store.db().prepare("UPDATE runs SET job_id = ?1 WHERE id = ?2")
          .bind(1, job)
          .bind(2, id.integer(0))
          .run();
    } else {
      store.write_result(id.integer(0), outcome_of(runs[i]), prov);
    }
  }
}

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// The outcome of a command: exit code (as the CLI maps exceptions), stdout, error message.
struct Outcome {
  int code = -1;
  std::string out;
  std::string error;
};

template <typename F>
Outcome invoke(F&& command) {
  Outcome r;
  testing::internal::CaptureStdout();
  try {
    r.code = command();
  } catch (const InputError& e) {
    r.code = kExitUsage;
    r.error = e.what();
  } catch (const DatabaseError& e) {
    r.code = kExitDatabase;
    r.error = e.what();
  } catch (const Error& e) {
    r.code = kExitFailure;
    r.error = e.what();
  }
  r.out = testing::internal::GetCapturedStdout();
  return r;
}

/// RFC 4180 parser (quoted fields may hold commas, quotes and newlines).
std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      row.push_back(std::move(field));
      field.clear();
    } else if (c == '\n') {
      row.push_back(std::move(field));
      field.clear();
      rows.push_back(std::move(row));
      row.clear();
    } else {
      field += c;
    }
  }
  EXPECT_FALSE(quoted) << "unterminated quoted field";
  EXPECT_TRUE(row.empty() && field.empty()) << "missing final newline";
  return rows;
}

class QueryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("symsweep_queries_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  /// A database with one sweep "main" whose runs have every status.
  std::string make_mixed_db(const std::string& name = "r.db") {
    const std::string p = path(name);
    ResultsStore store(p, Database::Mode::kReadWrite);
    write_sweep(store, "main", "[sweep]\nname = \"main\"\n",
                {{0.2, 0, "done", 10.0, 0.9},
                 {0.2, 1, "done", 20.0, 0.8},
                 {0.2, 2, "done", 30.0, 0.7},
                 {0.4, 0, "failed", 1.0, 0.0, "out of memory"},
                 {0.4, 1, "failed", 1.0, 0.0, "bad \"group\", line 3"},
                 {0.4, 2, "diverged", 5.0, 0.1},
                 {0.6, 0, "running"},
                 {0.6, 1, "pending"},
                 {0.6, 2, "pending"},
                 {0.8, 0, "pending"},
                 {0.8, 1, "pending"}});
    return p;
  }

  std::filesystem::path dir_;
};

std::int64_t count(const std::string& db_path, const std::string& sql) {
  Database db(db_path, Database::Mode::kReadOnly);
  Statement s = db.prepare(sql);
  s.step();
  return s.integer(0);
}

// ---------------------------------------------------------------------------------------------
// status

TEST_F(QueryTest, StatusCountsEqualTheInsertedStatusesAndTheEtaFollowsTheDoneRuns) {
  const std::string db = make_mixed_db();
  const std::string before = read_bytes(db);
  const Outcome r = invoke([&] { return show_status({db, true}); });
  ASSERT_EQ(r.code, kExitOk) << r.error;
  const json j = json::parse(r.out);
  ASSERT_EQ(j["sweeps"].size(), 1u);
  const json& s = j["sweeps"][0];
  EXPECT_EQ(s["name"], "main");
  EXPECT_EQ(s["pending"], 4);
  EXPECT_EQ(s["running"], 1);
  EXPECT_EQ(s["done"], 3);
  EXPECT_EQ(s["failed"], 2);
  EXPECT_EQ(s["diverged"], 1);
  EXPECT_EQ(s["total"], 11);
  // Mean wall time of done runs 20 s, 5 runs left, 1 running.
  EXPECT_NEAR(s["eta_seconds"].get<double>(), 100.0, 1e-9);
  ASSERT_EQ(s["failed_runs"].size(), 2u);
  std::set<std::string> errors;
  for (const auto& f : s["failed_runs"]) errors.insert(f["error"].get<std::string>());
  EXPECT_EQ(errors, (std::set<std::string>{"out of memory", "bad \"group\", line 3"}));
  EXPECT_EQ(s["more_failed"], 0);

  const Outcome text = invoke([&] { return show_status({db, false}); });
  ASSERT_EQ(text.code, kExitOk) << text.error;
  EXPECT_NE(text.out.find("pending 4  running 1  done 3  failed 2  diverged 1"), std::string::npos)
      << text.out;
  EXPECT_NE(text.out.find("ETA 1m 40s"), std::string::npos) << text.out;
  EXPECT_EQ(read_bytes(db), before);
  ASSERT_EQ(j["jobs"].size(), 1u);
  EXPECT_EQ(j["jobs"][0]["state"], "alive");
}

TEST_F(QueryTest, StatusShowsNoEtaForRunsThatNoLiveJobTrains) {
  const std::string db = make_mixed_db();
  {
    // The job holding the running run stopped beating long ago: it is dead.
    Database rw(db, Database::Mode::kReadWrite);
    rw.exec("UPDATE jobs SET heartbeat = heartbeat - 7200");
  }
  const Outcome r = invoke([&] { return show_status({db, true}); });
  ASSERT_EQ(r.code, kExitOk) << r.error;
  const json j = json::parse(r.out);
  EXPECT_EQ(j["jobs"][0]["state"], "dead");
  EXPECT_TRUE(j["sweeps"][0]["eta_seconds"].is_null()) << r.out;
  EXPECT_EQ(j["sweeps"][0]["running_in_live_jobs"], 0);
  const Outcome text = invoke([&] { return show_status({db, false}); });
  EXPECT_EQ(text.out.find("ETA"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("1 running run(s) held by no live job"), std::string::npos) << text.out;
}

TEST_F(QueryTest, StatusListsAtMostTenErrorsMostRecentFirst) {
  const std::string db = path("r.db");
  std::vector<std::int64_t> ids;
  {
    ResultsStore store(db, Database::Mode::kReadWrite);
    std::vector<RunPlan> runs;
    for (int i = 0; i < 13; ++i) {
      runs.push_back(
          {0.5, static_cast<std::uint64_t>(i), "failed", 1.0, 0.0, "error " + std::to_string(i)});
    }
    write_sweep(store, "bad", "x", runs);
    // Finishing times in an order unrelated to the ids: seed i finished at minute (i * 7) % 13.
    for (int i = 0; i < 13; ++i) {
      store.db()
          .prepare("UPDATE runs SET finished_at = ?1 WHERE error = ?2")
          .bind(1, "2026-01-01T00:" + fmt::format("{:02}", (i * 7) % 13) + ":00Z")
          .bind(2, "error " + std::to_string(i))
          .run();
    }
  }
  const Outcome r = invoke([&] { return show_status({db, true}); });
  ASSERT_EQ(r.code, kExitOk) << r.error;
  const json s = json::parse(r.out)["sweeps"][0];
  EXPECT_EQ(s["failed"], 13);
  ASSERT_EQ(s["failed_runs"].size(), 10u);
  EXPECT_EQ(s["more_failed"], 3);
  // Expected: latest finishing time first.
  std::vector<std::pair<int, int>> by_minute;  // (minute, seed)
  for (int i = 0; i < 13; ++i) by_minute.emplace_back((i * 7) % 13, i);
  std::sort(by_minute.rbegin(), by_minute.rend());
  for (std::size_t k = 0; k < 10; ++k) {
    EXPECT_EQ(s["failed_runs"][k]["error"], "error " + std::to_string(by_minute[k].second));
  }
  const Outcome text = invoke([&] { return show_status({db, false}); });
  EXPECT_NE(text.out.find("... and 3 more"), std::string::npos) << text.out;
  EXPECT_EQ(text.out.find("error " + std::to_string(by_minute[10].second) + "\n"),
            std::string::npos);
}

// ---------------------------------------------------------------------------------------------
// sql

TEST_F(QueryTest, SqlRefusesEveryWriteAndLeavesTheFileByteIdentical) {
  const std::string db = make_mixed_db();
  const std::string other = path("other.db");
  const std::string copy = path("copy.db");
  { ResultsStore s(other, Database::Mode::kReadWrite); }
  const std::string before = read_bytes(db);
  ASSERT_FALSE(before.empty());
  const std::vector<std::string> writes = {
      "INSERT INTO sweeps (name, spec, spec_hash, created) VALUES ('x', '', '', '')",
      "UPDATE runs SET status = 'done'",
      "DELETE FROM runs",
      "CREATE TABLE t (x)",
      "CREATE TEMP TABLE t (x)",
      "DROP TABLE metrics",
      "ATTACH DATABASE '" + other + "' AS o",
      "VACUUM INTO '" + copy + "'",
      "VACUUM",
      "REINDEX",
      "PRAGMA writable_schema = 1",
      "PRAGMA query_only = 0",
      "BEGIN IMMEDIATE",
      "WITH x AS (SELECT 1) DELETE FROM runs",
      "SELECT 1; DELETE FROM runs",
      "SELECT 1; SELECT 2",
      "SELECT count(*) FROM runs;\nPRAGMA query_only = 0",
  };
  for (const auto& sql : writes) {
    const Outcome r = invoke([&] { return run_sql({db, sql, "table"}); });
    EXPECT_EQ(r.code, kExitUsage) << sql << " -> " << r.out;
    EXPECT_NE(r.error.find("sql: "), std::string::npos) << r.error;
    EXPECT_EQ(r.error.find('\n'), std::string::npos) << r.error;
    EXPECT_EQ(read_bytes(db), before) << sql;
  }
  EXPECT_FALSE(std::filesystem::exists(copy));
  EXPECT_EQ(count(db, "SELECT count(*) FROM runs"), 11);

  // Reading works, and a trailing semicolon or comment is not a second statement.
  const Outcome ok = invoke([&] {
    return run_sql({db, "SELECT count(*) AS n FROM runs; -- all", "csv"});
  });
  ASSERT_EQ(ok.code, kExitOk) << ok.error;
  EXPECT_EQ(ok.out, "n\n11\n");
  EXPECT_EQ(read_bytes(db), before);
}

TEST_F(QueryTest, TablePrinterAlignsShowsNullAsDashAndRoundsRealsToSixDigits) {
  const std::string db = make_mixed_db();
  const Outcome r = invoke([&] {
    return run_sql({db,
                    "SELECT 1.23456789 AS x, NULL AS y, 'ab' AS z UNION ALL "
                    "SELECT 12345.678, 7, 'a longer text' ORDER BY 1",
                    "table"});
  });
  ASSERT_EQ(r.code, kExitOk) << r.error;
  std::istringstream lines(r.out);
  std::vector<std::string> l;
  for (std::string s; std::getline(lines, s);) l.push_back(s);
  ASSERT_EQ(l.size(), 4u) << r.out;
  EXPECT_EQ(l[0], "      x  y  z");
  EXPECT_EQ(l[1], "-------  -  -------------");
  EXPECT_EQ(l[2], "1.23457  -  ab");
  EXPECT_EQ(l[3], "12345.7  7  a longer text");
}

// ---------------------------------------------------------------------------------------------
// runs

TEST_F(QueryTest, RunsWhereFiltersAndRejectsAnythingButOneExpression) {
  const std::string db = make_mixed_db();
  const std::string before = read_bytes(db);
  const Outcome ok = invoke([&] {
    return list_runs({db, "status = 'done' AND seed >= 1", "csv", "seed, status,test_acc"});
  });
  ASSERT_EQ(ok.code, kExitOk) << ok.error;
  EXPECT_EQ(ok.out, "seed,status,test_acc\n1,done,0.8\n2,done,0.7\n");

  for (const std::string bad :
       {"1; DROP TABLE runs", "status = 'done'; SELECT 1", "1) ; DELETE FROM runs WHERE (1"}) {
    const Outcome r = invoke([&] { return list_runs({db, bad, "table", ""}); });
    EXPECT_EQ(r.code, kExitUsage) << bad;
    EXPECT_NE(r.error.find("--where"), std::string::npos) << r.error;
    EXPECT_TRUE(r.out.empty()) << r.out;
  }
  const Outcome unknown = invoke([&] { return list_runs({db, "no_such_col > 1", "table", ""}); });
  EXPECT_EQ(unknown.code, kExitUsage);
  EXPECT_NE(unknown.error.find("no such column: no_such_col"), std::string::npos) << unknown.error;
  // Writing through a subquery cannot be expressed; reading other tables is allowed.
  const Outcome sub = invoke([&] {
    return list_runs({db, "id IN (SELECT run_id FROM metrics WHERE test_acc > 0.75)", "csv", "id"});
  });
  ASSERT_EQ(sub.code, kExitOk) << sub.error;
  EXPECT_EQ(parse_csv(sub.out).size(), 3u);  // header + runs with acc 0.9 and 0.8

  const Outcome col = invoke([&] { return list_runs({db, "", "table", "id,bogus"}); });
  EXPECT_EQ(col.code, kExitUsage);
  EXPECT_NE(col.error.find("\"bogus\""), std::string::npos) << col.error;
  const Outcome format = invoke([&] { return list_runs({db, "", "xml", ""}); });
  EXPECT_EQ(format.code, kExitUsage);
  EXPECT_NE(format.error.find("--format \"xml\""), std::string::npos) << format.error;
  EXPECT_EQ(read_bytes(db), before);
}

TEST_F(QueryTest, RunsDefaultColumnsAndJsonTypes) {
  const std::string db = make_mixed_db();
  const Outcome r = invoke([&] { return list_runs({db, "", "json", ""}); });
  ASSERT_EQ(r.code, kExitOk) << r.error;
  const json j = json::parse(r.out);
  ASSERT_EQ(j.size(), 11u);
  std::vector<std::string> keys;
  for (auto it = j[0].begin(); it != j[0].end(); ++it) keys.push_back(it.key());
  std::sort(keys.begin(), keys.end());
  EXPECT_EQ(keys,
            (std::vector<std::string>{"augment", "binary_gap", "data_fraction", "group_spec", "id",
                                      "seed", "status", "test_acc", "wall_seconds", "width"}));
  EXPECT_TRUE(j[0]["id"].is_number_integer());
  EXPECT_TRUE(j[0]["test_acc"].is_number_float());
  EXPECT_TRUE(j[10]["test_acc"].is_null());  // pending
}

// ---------------------------------------------------------------------------------------------
// show

TEST_F(QueryTest, ShowFindsARunByIdOrHashPrefixAndPrintsItsCurveAndPotentials) {
  const std::string db = make_mixed_db();
  std::string hash;
  {
    Database d(db, Database::Mode::kReadOnly);
    Statement s = d.prepare("SELECT config_hash FROM runs WHERE id = 2");
    ASSERT_TRUE(s.step());
    hash = s.text(0);
  }
  for (const std::string& spec : {std::string("2"), hash.substr(0, 10)}) {
    const Outcome r = invoke([&] { return show_run({db, spec, "json"}); });
    ASSERT_EQ(r.code, kExitOk) << r.error;
    const json j = json::parse(r.out);
    EXPECT_EQ(j["id"], 2);
    EXPECT_EQ(j["config_hash"], hash);
    EXPECT_EQ(j["sweeps"], json::array({"main"}));
    EXPECT_EQ(j["config"]["seed"], 1);
    EXPECT_EQ(j["config"]["group_spec"], "cyclic:5");
    EXPECT_EQ(j["final"]["status"], "done");
    EXPECT_NEAR(j["final"]["test_acc"].get<double>(), 0.8, 1e-12);
    EXPECT_EQ(j["provenance"]["host"], "node7");
    ASSERT_EQ(j["curve"].size(), 3u);
    EXPECT_EQ(j["curve"][2]["step"], 10);
    EXPECT_NEAR(j["curve"][2]["effective_dim"].get<double>(), 2.0 + 10 * 0.8, 1e-12);
    EXPECT_EQ(j["rho_kkk"]["step"], 10);
    ASSERT_EQ(j["rho_kkk"]["values"].size(), 4u);
    const json& v = j["rho_kkk"]["values"][2];
    EXPECT_EQ(v["k"], 3);
    EXPECT_NEAR(v["abs"].get<double>(), std::hypot(0.3 * 0.8, -0.15 + 10), 1e-12);
  }
  const Outcome text = invoke([&] { return show_run({db, "2", "table"}); });
  ASSERT_EQ(text.code, kExitOk) << text.error;
  for (const char* part : {"config", "final", "provenance", "curve (metrics)", "rho_kkk at step 10",
                           "effective_dim", "|rho|"}) {
    EXPECT_NE(text.out.find(part), std::string::npos) << part << "\n" << text.out;
  }

  const Outcome missing = invoke([&] { return show_run({db, "999", "table"}); });
  EXPECT_EQ(missing.code, kExitUsage);
  // A prefix shared by several runs is ambiguous and says how many match.
  {
    ResultsStore store(db, Database::Mode::kReadWrite);
    store.db().exec(
        "UPDATE runs SET config_hash = 'feed' || substr(config_hash, 5) WHERE id IN (4, 5, 6)");
  }
  const Outcome amb = invoke([&] { return show_run({db, "FEED", "json"}); });
  EXPECT_EQ(amb.code, kExitUsage);
  EXPECT_NE(amb.error.find("matches 3 runs"), std::string::npos) << amb.error;
  std::string hash5;
  {
    Database d(db, Database::Mode::kReadOnly);
    Statement s = d.prepare("SELECT config_hash FROM runs WHERE id = 5");
    ASSERT_TRUE(s.step());
    hash5 = s.text(0);
  }
  const Outcome unique = invoke([&] { return show_run({db, hash5, "json"}); });
  ASSERT_EQ(unique.code, kExitOk) << unique.error;
  EXPECT_EQ(json::parse(unique.out)["id"], 5);
  EXPECT_EQ(json::parse(unique.out)["final"]["error"], "bad \"group\", line 3");
}

// ---------------------------------------------------------------------------------------------
// export

TEST_F(QueryTest, ExportCsvRoundTripsCommasQuotesAndNewlines) {
  const std::string db = path("r.db");
  const std::string spec = "[sweep]\nname = \"a, \"quoted\" one\"\n# two\r\nlines";
  {
    ResultsStore store(db, Database::Mode::kReadWrite);
    write_sweep(store, "odd, \"name\"", spec,
                {{0.3, 0, "failed", 1.0, 0.0, "failed: \"x\", then y\nand more"},
                 {0.3, 1, "done", 2.0, 0.25}});
  }
  const Outcome sweeps = invoke([&] { return export_table({db, "sweeps", "csv", ""}); });
  ASSERT_EQ(sweeps.code, kExitOk) << sweeps.error;
  const auto rows = parse_csv(sweeps.out);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"id", "name", "spec", "spec_hash", "created"}));
  EXPECT_EQ(rows[1][1], "odd, \"name\"");
  EXPECT_EQ(rows[1][2], spec);

  const Outcome runs = invoke([&] { return export_table({db, "runs", "csv", "odd, \"name\""}); });
  ASSERT_EQ(runs.code, kExitOk) << runs.error;
  const auto run_rows = parse_csv(runs.out);
  ASSERT_EQ(run_rows.size(), 3u);
  const auto col = std::find(run_rows[0].begin(), run_rows[0].end(), "error") - run_rows[0].begin();
  const auto acc =
      std::find(run_rows[0].begin(), run_rows[0].end(), "test_acc") - run_rows[0].begin();
  EXPECT_EQ(run_rows[1][col], "failed: \"x\", then y\nand more");
  EXPECT_EQ(run_rows[1][acc], "");  // NULL
  EXPECT_EQ(run_rows[2][acc], "0.25");

  const Outcome js = invoke([&] { return export_table({db, "metrics", "json", ""}); });
  ASSERT_EQ(js.code, kExitOk) << js.error;
  const json j = json::parse(js.out);
  ASSERT_EQ(j.size(), 3u);  // the failed run logged nothing
  EXPECT_TRUE(j[0]["run_id"].is_number_integer());
  EXPECT_TRUE(j[0]["step"].is_number_integer());
  EXPECT_TRUE(j[1]["test_loss"].is_number_float());
  EXPECT_EQ(j[0]["test_acc"].get<double>(), 0.0);
  EXPECT_TRUE(j[0]["test_acc"].is_number_float());

  const Outcome bad = invoke([&] { return export_table({db, "sqlite_master", "csv", ""}); });
  EXPECT_EQ(bad.code, kExitUsage);
  EXPECT_NE(bad.error.find("--table \"sqlite_master\""), std::string::npos) << bad.error;
  const Outcome nosweep = invoke([&] { return export_table({db, "runs", "csv", "nope"}); });
  EXPECT_EQ(nosweep.code, kExitUsage);
  EXPECT_NE(nosweep.error.find("--sweep \"nope\""), std::string::npos) << nosweep.error;
}

TEST_F(QueryTest, ExportOfOneSweepHoldsOnlyItsRuns) {
  const std::string db = path("r.db");
  {
    ResultsStore store(db, Database::Mode::kReadWrite);
    write_sweep(store, "a", "a", {{0.1, 0, "done"}, {0.1, 1, "done"}});
    write_sweep(store, "b", "b", {{0.9, 0, "done"}});
  }
  const Outcome r = invoke([&] { return export_table({db, "metrics", "json", "b"}); });
  ASSERT_EQ(r.code, kExitOk) << r.error;
  const json j = json::parse(r.out);
  ASSERT_EQ(j.size(), 3u);
  for (const auto& row : j) EXPECT_EQ(row["run_id"], 3);
}

// ---------------------------------------------------------------------------------------------
// merge

/// Every column of a run's metrics, in step order, as JSON (ids left out).
json metrics_of(const std::string& db_path, const std::string& config_hash) {
  Database db(db_path, Database::Mode::kReadOnly);
  Statement s = db.prepare(
      "SELECT metrics.* FROM metrics JOIN runs ON runs.id = metrics.run_id "
      "WHERE runs.config_hash = ?1 ORDER BY step");
  s.bind(1, config_hash);
  json rows = json::array();
  while (s.step()) {
    json row = json::object();
    for (int c = 0; c < s.columns(); ++c) {
      if (s.name(c) == "run_id") continue;
      row[s.name(c)] = s.is_null(c) ? json() : json(s.real(c));
    }
    rows.push_back(row);
  }
  return rows;
}

TEST_F(QueryTest, MergeUnionsRunsByHashKeepingTheFinishedCopyWithItsRows) {
  const std::string a = path("a.db"), b = path("b.db"), out = path("out.db");
  const RunPlan r1{0.1, 1, "done", 11.0, 0.9}, r2{0.2, 2, "failed", 1.0, 0.0, "oom"},
      r3{0.3, 3, "pending"}, r4{0.4, 4, "done", 44.0, 0.6};
  RunPlan r1_failed = r1, r2_done = r2;
  r1_failed.status = "failed";
  r1_failed.error = "node died";
  r2_done.status = "done";
  r2_done.acc = 0.75;
  {
    ResultsStore store(a, Database::Mode::kReadWrite);
    write_sweep(store, "s1", "one", {r1, r2, r3});
  }
  {
    // Other order, so the run ids of b differ from a's.
    ResultsStore store(b, Database::Mode::kReadWrite);
    write_sweep(store, "s2", "two", {r4});
    write_sweep(store, "s1", "one", {r3, r2_done, r1_failed});
  }
  const std::string a_bytes = read_bytes(a), b_bytes = read_bytes(b);

  const Outcome r = invoke([&] { return merge_databases({out, {a, b}}); });
  ASSERT_EQ(r.code, kExitOk) << r.error;
  EXPECT_EQ(r.out, a + ": 3 runs added, 0 replaced, 0 skipped; 1 sweeps added\n" + b +
                       ": 1 runs added, 1 replaced, 2 skipped; 1 sweeps added\n");
  EXPECT_EQ(read_bytes(a), a_bytes);
  EXPECT_EQ(read_bytes(b), b_bytes);

  EXPECT_EQ(count(out, "SELECT count(*) FROM runs"), 4);
  EXPECT_EQ(count(out, "SELECT count(DISTINCT config_hash) FROM runs"), 4);
  EXPECT_EQ(count(out, "SELECT count(*) FROM sweeps"), 2);
  auto status_of = [&](const RunPlan& p) {
    Database db(out, Database::Mode::kReadOnly);
    Statement s = db.prepare("SELECT status FROM runs WHERE config_hash = ?1");
    s.bind(1, planned(p).config_hash);
    return s.step() ? s.text(0) : std::string("missing");
  };
  EXPECT_EQ(status_of(r1), "done");  // a's done copy beats b's failed one
  EXPECT_EQ(status_of(r2), "done");  // b's done copy replaces a's failed one
  EXPECT_EQ(status_of(r3), "pending");
  EXPECT_EQ(status_of(r4), "done");

  // Rows follow their run, re-mapped to out's ids.
  for (const auto& [p, src] :
       std::vector<std::pair<RunPlan, std::string>>{{r1, a}, {r2, b}, {r4, b}}) {
    const std::string h = planned(p).config_hash;
    const json expected = metrics_of(src, h);
    ASSERT_EQ(expected.size(), 3u);
    EXPECT_EQ(metrics_of(out, h), expected) << p.seed;
  }
  EXPECT_EQ(count(out, "SELECT count(*) FROM metrics"), 9);
  EXPECT_EQ(count(out, "SELECT count(*) FROM potentials"), 36);
  EXPECT_EQ(count(out, "SELECT count(*) FROM metrics WHERE run_id NOT IN (SELECT id FROM runs)"),
            0);
  // The replaced run's attempts are the kept copy's: one attempt, outcome done.
  EXPECT_EQ(count(out,
                  "SELECT count(*) FROM attempts JOIN runs ON runs.id = attempts.run_id "
                  "WHERE runs.seed = 2 AND outcome = 'done'"),
            1);
  EXPECT_EQ(count(out,
                  "SELECT count(*) FROM attempts JOIN runs ON runs.id = attempts.run_id "
                  "WHERE runs.seed = 2"),
            1);
  // Membership: s2 holds r4 only, s1 holds the other three; runs.sweep_id points into out.
  EXPECT_EQ(count(out,
                  "SELECT count(*) FROM sweep_runs JOIN sweeps ON sweeps.id = sweep_id "
                  "WHERE name = 's2'"),
            1);
  EXPECT_EQ(count(out,
                  "SELECT count(*) FROM sweep_runs JOIN sweeps ON sweeps.id = sweep_id "
                  "WHERE name = 's1'"),
            3);
  EXPECT_EQ(count(out, "SELECT count(*) FROM runs WHERE sweep_id NOT IN (SELECT id FROM sweeps)"),
            0);

  // Merging again adds nothing.
  const Outcome again = invoke([&] { return merge_databases({out, {b}}); });
  ASSERT_EQ(again.code, kExitOk) << again.error;
  EXPECT_EQ(again.out, b + ": 0 runs added, 0 replaced, 4 skipped; 0 sweeps added\n");
  EXPECT_EQ(count(out, "SELECT count(*) FROM metrics"), 9);

  // Status of the merged file agrees.
  const Outcome st = invoke([&] { return show_status({out, true}); });
  ASSERT_EQ(st.code, kExitOk) << st.error;
  const json sw = json::parse(st.out)["sweeps"];
  EXPECT_EQ(sw[0]["name"], "s1");
  EXPECT_EQ(sw[0]["done"], 2);
  EXPECT_EQ(sw[0]["pending"], 1);
}

TEST_F(QueryTest, MergeRefusesAnOutputThatIsAlsoAnInput) {
  const std::string a = make_mixed_db("a.db");
  const std::string b = make_mixed_db("b.db");
  const std::string a_bytes = read_bytes(a);
  const std::string same_a = (dir_ / "." / "sub" / ".." / "a.db").string();
  std::filesystem::create_directories(dir_ / "sub");
  for (const std::string& out : {a, same_a}) {
    const Outcome r = invoke([&] { return merge_databases({out, {b, a}}); });
    EXPECT_EQ(r.code, kExitUsage) << out;
    EXPECT_NE(r.error.find("also an input"), std::string::npos) << r.error;
  }
  EXPECT_EQ(read_bytes(a), a_bytes);
  const Outcome missing = invoke([&] {
    return merge_databases({path("o.db"), {path("nope.db")}});
  });
  EXPECT_EQ(missing.code, kExitDatabase);
  EXPECT_FALSE(std::filesystem::exists(path("o.db")));
}

/// Files in `dir` (names), for checking that nothing was left behind; the -wal and -shm files
/// SQLite's readers leave beside the inputs are not counted (those of out.db are).
std::set<std::string> files_in(const std::filesystem::path& dir) {
  std::set<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    const bool side = name.ends_with("-wal") || name.ends_with("-shm");
    if (!side || name.starts_with("out.db") || name.starts_with(".out.db")) names.insert(name);
  }
  return names;
}

TEST_F(QueryTest, MergeWithABadInputLeavesNoOutputBehind) {
  const std::string a = make_mixed_db("a.db");
  const std::string text = path("notes.txt");
  std::ofstream(text) << "not a database at all, just some text that is long enough\n";
  // A damaged input passes the up-front checks and fails half-way, after `a` was merged.
  const std::string damaged = make_mixed_db("damaged.db");
  {
    Database db(damaged, Database::Mode::kReadWrite);
    db.exec("ALTER TABLE runs RENAME COLUMN config_hash TO hash_renamed");
  }
  const std::set<std::string> before = files_in(dir_);
  const std::string out = path("out.db");

  const Outcome bad = invoke([&] { return merge_databases({out, {a, text}}); });
  EXPECT_EQ(bad.code, kExitDatabase) << bad.error;
  EXPECT_NE(bad.error.find("merge: IN \"" + text + "\": not an SQLite database"),
            std::string::npos)
      << bad.error;
  EXPECT_TRUE(bad.out.empty()) << bad.out;
  EXPECT_EQ(files_in(dir_), before);

  const Outcome half = invoke([&] { return merge_databases({out, {a, damaged}}); });
  EXPECT_NE(half.code, kExitOk);
  EXPECT_NE(half.error.find("config_hash"), std::string::npos) << half.error;
  EXPECT_EQ(files_in(dir_), before);  // no OUT, no temporary file, no -wal

  // The same with an existing OUT: it is left byte for byte as it was.
  ASSERT_EQ(invoke([&] { return merge_databases({out, {a}}); }).code, kExitOk);
  const std::string out_bytes = read_bytes(out);
  const std::set<std::string> with_out = files_in(dir_);
  const std::string b = make_mixed_db("b.db");
  for (const std::string& second : {text, damaged}) {
    const Outcome r = invoke([&] { return merge_databases({out, {b, second}}); });
    EXPECT_NE(r.code, kExitOk) << second;
    EXPECT_EQ(read_bytes(out), out_bytes) << second;
  }
  std::set<std::string> expected = with_out;
  expected.insert("b.db");
  EXPECT_EQ(files_in(dir_), expected);
}

TEST_F(QueryTest, ReadersRejectAFileThatIsNotAResultsDatabase) {
  const std::string text = path("notes.txt");
  std::ofstream(text) << "not a database at all, just some text that is long enough\n";
  const Outcome r = invoke([&] { return show_status({text, false}); });
  EXPECT_EQ(r.code, kExitDatabase);
  EXPECT_NE(r.error.find("not an SQLite database"), std::string::npos) << r.error;
  const Outcome missing = invoke([&] { return list_runs({path("nope.db"), "", "table", ""}); });
  EXPECT_EQ(missing.code, kExitDatabase);
  EXPECT_NE(missing.error.find("--db"), std::string::npos) << missing.error;
}

}  // namespace
}  // namespace symsweep::sweeps
