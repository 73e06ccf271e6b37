#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "spec/spec.hpp"
#include "symsweep/core/error.hpp"
#include "store/merge.hpp"
#include "store/sql_sandbox.hpp"
#include "store/store.hpp"
#include "../core/records.hpp"

namespace symsweep::sweeps {
namespace {

/// A fresh database path in a temporary directory, removed afterwards.
class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("symsweep_store_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "r.db").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  static SweepSpec spec(const std::string& fractions) {
    return parse_spec(
        "[sweep]\nname = \"t\"\nseeds = 2\n[grid]\ngroup = [\"cyclic:5\"]\ndata_fraction = [" +
            fractions + "]\n[train]\nsteps = 3\nwidth = 4\n",
        "t.toml");
  }
  std::filesystem::path dir_;
  std::string path_;
};

std::int64_t count(ResultsStore& s, const std::string& sql) {
  Statement st = s.db().prepare(sql);
  st.step();
  return st.integer(0);
}

TEST_F(StoreTest, AddingTheSameRunsTwiceInsertsThemOnce) {
  ResultsStore store(path_, Database::Mode::kReadWrite);
  const SweepSpec s = spec("0.4, 0.6");
  const std::int64_t id = store.upsert_sweep(s.name, s.text, s.hash);
  EXPECT_EQ(store.add_runs(id, s.runs), 4);
  EXPECT_EQ(store.add_runs(id, s.runs), 0);
  // A relaunch with one more axis value adds only the new points.
  const SweepSpec more = spec("0.4, 0.6, 0.8");
  EXPECT_EQ(store.upsert_sweep(more.name, more.text, more.hash), id);
  EXPECT_EQ(store.add_runs(id, more.runs), 2);
  EXPECT_EQ(count(store, "SELECT count(*) FROM runs"), 6);
  EXPECT_EQ(store.counts(id).pending, 6);
  EXPECT_EQ(count(store, "SELECT count(*) FROM sweeps"), 1);
}

TEST_F(StoreTest, RunningRunsGoBackToPendingThenFailAfterMaxAttempts) {
  ResultsStore store(path_, Database::Mode::kReadWrite);
  const SweepSpec s = spec("0.5");
  const std::int64_t id = store.upsert_sweep(s.name, s.text, s.hash);
  store.add_runs(id, s.runs);
  const auto pending = store.pending_runs(id);
  ASSERT_EQ(pending.size(), 2u);
  const std::int64_t victim = pending[0].id;
  for (int attempt = 1; attempt <= 3; ++attempt) {
    store.mark_running(victim);  // handed out, then the job dies
    EXPECT_EQ(store.recover_running(3), attempt < 3 ? 1 : 0);
    EXPECT_EQ(count(store, "SELECT attempts FROM runs WHERE id = " + std::to_string(victim)),
              attempt);
  }
  EXPECT_EQ(count(store, "SELECT count(*) FROM runs WHERE status = 'failed'"), 1);
  EXPECT_EQ(count(store, "SELECT count(*) FROM attempts WHERE outcome = 'lost'"), 3);
  EXPECT_EQ(store.pending_runs(id).size(), 1u);
}

TEST_F(StoreTest, InterruptedRunsKeepTheirAttemptCount) {
  ResultsStore store(path_, Database::Mode::kReadWrite);
  const SweepSpec s = spec("0.5");
  const std::int64_t id = store.upsert_sweep(s.name, s.text, s.hash);
  store.add_runs(id, s.runs);
  const std::int64_t run = store.pending_runs(id)[0].id;
  store.mark_running(run);
  store.mark_interrupted(run, "SIGTERM");
  EXPECT_EQ(count(store, "SELECT attempts FROM runs WHERE id = " + std::to_string(run)), 0);
  EXPECT_EQ(store.counts(id).pending, 2);
}

TEST_F(StoreTest, AResultIsWrittenWithItsCurveAndPotentials) {
  ResultsStore store(path_, Database::Mode::kReadWrite);
  const SweepSpec s = spec("0.5");
  const std::int64_t id = store.upsert_sweep(s.name, s.text, s.hash);
  store.add_runs(id, s.runs);
  const std::int64_t run = store.pending_runs(id)[0].id;
  store.mark_running(run);
  core::RunOutcome o;
  o.result.log.resize(3);
  for (int i = 0; i < 3; ++i) {
    o.result.log[i].step = 10 * i;
    o.result.log[i].train_loss = 1.0 / (i + 1);
    o.result.log[i].rho_kkk = std::vector<std::complex<double>>(4, {0.1 * i, 0.0});
  }
  o.result.log[2].test_acc = std::nullopt;
  store.write_result(run, o, Provenance{"v", "g", "h", "mpi", 2});
  EXPECT_EQ(count(store, "SELECT count(*) FROM metrics WHERE run_id = " + std::to_string(run)), 3);
  EXPECT_EQ(count(store, "SELECT count(*) FROM potentials WHERE run_id = " + std::to_string(run)),
            12);
  EXPECT_EQ(count(store, "SELECT count(*) FROM runs WHERE status = 'done' AND ranks = 2 AND "
                         "test_acc IS NULL AND train_loss = 1.0 / 3"),
            1);
  // The finished run is no longer pending and is not recovered by a relaunch.
  EXPECT_EQ(store.recover_running(3), 0);
  EXPECT_EQ(store.pending_runs(id).size(), 1u);
}

TEST_F(StoreTest, EveryMetricAndSettingSurvivesTheDatabase) {
  ResultsStore store(path_, Database::Mode::kReadWrite);
  SweepSpec s = spec("0.5");
  s.runs.resize(1);
  s.runs[0].config.train = test::full_train_config();
  s.runs[0].config_json = canonical_config_json(s.runs[0].config);
  s.runs[0].config_hash = content_hash(s.runs[0].config_json);
  const std::int64_t id = store.upsert_sweep(s.name, s.text, s.hash);
  store.add_runs(id, s.runs);
  // The settings come back from the columns as they went in.
  const auto pending = store.pending_runs(id);
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].config, s.runs[0].config);

  core::RunOutcome o;
  o.result.log = {test::full_step_metrics(1.0), test::full_step_metrics(2.0)};
  for (auto& m : o.result.log) m.irreps.reset();  // a group has characters or irreps, not both
  o.result.log[0].step = 100;
  o.result.steps_done = 4242;
  store.mark_running(pending[0].id);
  ASSERT_TRUE(store.write_result(pending[0].id, o, Provenance{"v", "g", "h", "mpi", 1}));
  // Every metrics column, named here and not through core/fields.hpp.
  const core::StepMetrics& m = o.result.log[1];
  Statement met = store.db().prepare(
      "SELECT step, train_loss, test_loss, train_acc, test_acc, full_loss, binary_gap, "
      "max_offtarget_mp, effective_dim, frequencies_per_neuron, drift_q, drift_s, drift_c, "
      "off_target_energy, irrep_concentration, hessian_negative, hessian_large, hessian_max, "
      "hessian_min, hessian_negative_est, hessian_negative_se, hessian_large_est, "
      "hessian_large_se, hessian_eff_dim FROM metrics WHERE step = 4242 AND "
      "train_loss = 2.125");
  ASSERT_TRUE(met.step());
  const std::vector<double> expected = {4242.0, m.train_loss, *m.test_loss, m.train_acc,
                                        *m.test_acc, m.full_loss, *m.binary_gap,
                                        *m.max_offtarget_mp, m.effective_dim,
                                        *m.frequencies_per_neuron, m.drift.q, m.drift.s,
                                        m.drift.c, *m.off_target_energy,
                                        *m.irrep_concentration, *m.hessian_negative,
                                        *m.hessian_large, *m.hessian_max, *m.hessian_min,
                                        *m.hessian_negative_est, *m.hessian_negative_se,
                                        *m.hessian_large_est, *m.hessian_large_se,
                                        *m.hessian_eff_dim};
  for (int i = 0; i < met.columns(); ++i) EXPECT_EQ(met.real(i), expected[i]) << met.name(i);
  // The final values in runs are the last logged step's.
  Statement fin = store.db().prepare(
      "SELECT train_loss, test_loss, train_acc, test_acc, full_loss, binary_gap, "
      "max_offtarget_mp, effective_dim, drift_q, frequencies_per_neuron, "
      "off_target_energy, irrep_concentration FROM runs WHERE id = ?1");
  fin.bind(1, pending[0].id);
  ASSERT_TRUE(fin.step());
  const std::vector<double> last = {m.train_loss, *m.test_loss, m.train_acc, *m.test_acc,
                                    m.full_loss, *m.binary_gap, *m.max_offtarget_mp,
                                    m.effective_dim, m.drift.q, *m.frequencies_per_neuron,
                                    *m.off_target_energy, *m.irrep_concentration};
  for (int i = 0; i < fin.columns(); ++i) EXPECT_EQ(fin.real(i), last[i]) << fin.name(i);
}

TEST_F(StoreTest, DefaultSettingsKeepTheirStoredConfigHash) {
  // Settings added later (beta1, beta2, adam_eps) enter the canonical JSON only away from their
  // defaults: the text of a default config is the one stored before they were listed.
  core::RunConfig c;
  EXPECT_EQ(canonical_config_json(c),
            R"({"group":"cyclic:23","data_fraction":0.5,"augment":"none","width":512,"seed":0,)"
            R"("optimizer":"adamw","lr":0.003,"weight_decay":0.1,"init_scale":0.3,"steps":2000,)"
            R"("precision":"f32","log_every":100})");
  core::RunConfig other = c;
  other.train.beta2 = 0.98;
  EXPECT_NE(content_hash(canonical_config_json(other)), content_hash(canonical_config_json(c)));
  EXPECT_NE(canonical_config_json(other).find(R"("beta2":0.98)"), std::string::npos);
}

TEST_F(StoreTest, GapAnswersAreKeptOnceAndReadBack) {
  ResultsStore store(path_, Database::Mode::kReadWrite);
  EXPECT_TRUE(store.gap_answers().empty());
  const std::map<std::string, std::string> answers = {{"group gap:X", "order 1\nnames\te\n0\n"},
                                                      {"order 1", "groups 1\n1\ttrue\t1\t1\n"}};
  store.save_gap_answers(answers);
  EXPECT_EQ(store.gap_answers(), answers);
  // An answer already held stays as it is (the runs that used it are hashed with it).
  store.save_gap_answers({{"group gap:X", "another"}, {"order 2", "groups 1\n"}});
  const auto back = store.gap_answers();
  EXPECT_EQ(back.size(), 3U);
  EXPECT_EQ(back.at("group gap:X"), answers.at("group gap:X"));
  ResultsStore ro(path_, Database::Mode::kReadOnly);
  EXPECT_EQ(ro.gap_answers(), back);
}

TEST_F(StoreTest, ReadOnlyConnectionsCannotWrite) {
  { ResultsStore store(path_, Database::Mode::kReadWrite); }
  ResultsStore ro(path_, Database::Mode::kReadOnly);
  EXPECT_THROW(ro.db().exec("DELETE FROM runs"), Error);
  EXPECT_THROW(ResultsStore((dir_ / "missing.db").string(), Database::Mode::kReadOnly),
               DatabaseError);
  EXPECT_FALSE(std::filesystem::exists(dir_ / "missing.db"));
}

}  // namespace
}  // namespace symsweep::sweeps

namespace symsweep::sweeps {
namespace {

TEST_F(StoreTest, VersionOneFilesMigrateForwardKeepingTheirRows) {
  {
    ResultsStore store(path_, Database::Mode::kReadWrite);
    const SweepSpec s = spec("0.5");
    store.add_runs(store.upsert_sweep(s.name, s.text, s.hash), s.runs);
    // Turn the file back into version 1: what the first release wrote.
    store.db().exec("UPDATE runs SET drift_q = 0.25");
    store.db().exec(
        "ALTER TABLE runs DROP COLUMN potentials; ALTER TABLE runs DROP COLUMN potentials_note; "
        "ALTER TABLE runs DROP COLUMN kernels; "
        "ALTER TABLE runs DROP COLUMN parametrization; ALTER TABLE runs DROP COLUMN "
        "input_multiplier; ALTER TABLE runs DROP COLUMN output_multiplier; ALTER TABLE runs "
        "DROP COLUMN init; ALTER TABLE runs DROP COLUMN init_scale_out; ALTER TABLE runs DROP "
        "COLUMN loss; ALTER TABLE runs DROP COLUMN momentum; ALTER TABLE runs DROP COLUMN "
        "particles; ALTER TABLE runs DROP COLUMN target_frequencies; "
        "ALTER TABLE runs DROP COLUMN spectrum_every; ALTER TABLE runs DROP COLUMN spectrum_k; "
        "ALTER TABLE metrics DROP COLUMN hessian_negative; ALTER TABLE metrics DROP COLUMN "
        "hessian_large; ALTER TABLE metrics DROP COLUMN hessian_max; ALTER TABLE metrics DROP "
        "COLUMN hessian_min; ALTER TABLE metrics DROP COLUMN hessian_negative_est; "
        "ALTER TABLE metrics DROP COLUMN hessian_negative_se; ALTER TABLE metrics DROP COLUMN "
        "hessian_large_est; ALTER TABLE metrics DROP COLUMN hessian_large_se; "
        "ALTER TABLE metrics DROP COLUMN hessian_eff_dim; DROP TABLE gap_answers; "
        "DROP INDEX fits_key; ALTER TABLE fits DROP COLUMN count_basis; "
        "ALTER TABLE fits DROP COLUMN eps; ALTER TABLE fits DROP COLUMN method; "
        "ALTER TABLE fits DROP COLUMN bootstrap; ALTER TABLE fits DROP COLUMN seed; "
        "ALTER TABLE fits DROP COLUMN fstar_share; ALTER TABLE fits DROP COLUMN warnings; "
        "DROP TABLE theorem2_fits; ALTER TABLE runs RENAME COLUMN drift_q TO conservation_drift; "
        "ALTER TABLE runs DROP COLUMN beta1; ALTER TABLE runs DROP COLUMN beta2; "
        "ALTER TABLE runs DROP COLUMN adam_eps; "
        "DROP TABLE jobs; DROP TABLE sweep_specs; DROP INDEX runs_claim; "
        "DROP INDEX attempts_run; ALTER TABLE runs DROP COLUMN job_id; "
        "ALTER TABLE attempts DROP COLUMN job_id; "
        "DROP TABLE critical_fractions; ALTER TABLE fits DROP COLUMN stratum; "
        "ALTER TABLE fits DROP COLUMN model; ALTER TABLE fits DROP COLUMN preferred; "
        "ALTER TABLE potentials DROP COLUMN gap; ALTER TABLE runs DROP COLUMN off_target_energy; "
        "ALTER TABLE runs DROP COLUMN irrep_concentration; "
        "ALTER TABLE metrics DROP COLUMN off_target_energy; "
        "ALTER TABLE metrics DROP COLUMN irrep_concentration; "
        "UPDATE schema_version SET version = 1");
  }
  ResultsStore store(path_, Database::Mode::kReadWrite);
  EXPECT_EQ(count(store, "SELECT version FROM schema_version"), kSchemaVersion);
  EXPECT_EQ(count(store, "SELECT count(*) FROM runs"), 2);
  EXPECT_EQ(count(store, "SELECT count(*) FROM critical_fractions"), 0);
  EXPECT_EQ(count(store, "SELECT count(*) FROM pragma_table_info('fits') WHERE name = 'stratum'"),
            1);
  EXPECT_EQ(count(store, "SELECT count(*) FROM pragma_table_info('potentials') WHERE name = 'gap'"),
            1);
  // Schema 12: the saved particles' file, NULL for the runs of older files.
  EXPECT_EQ(count(store, "SELECT count(*) FROM runs WHERE particles IS NULL"), 2);
  // Schema 13: the runs of older files trained on the whole task.
  EXPECT_EQ(count(store, "SELECT count(*) FROM runs WHERE target_frequencies = ''"), 2);
  // Version 6 renamed runs.conservation_drift to drift_q, keeping its values.
  EXPECT_EQ(count(store, "SELECT count(*) FROM runs WHERE drift_q = 0.25"), 2);
  EXPECT_EQ(count(store, "SELECT count(*) FROM pragma_table_info('runs') "
                         "WHERE name = 'conservation_drift'"),
            0);
  EXPECT_EQ(count(store, "SELECT count(*) FROM theorem2_fits"), 0);
  // Version 16: GAP's answers, none for older files.
  EXPECT_EQ(count(store, "SELECT count(*) FROM gap_answers"), 0);
  EXPECT_TRUE(store.gap_answers().empty());
  // Runs stored before `potentials` existed measured every MP: they read back as auto (what
  // auto chose for them), with no note.
  EXPECT_EQ(count(store, "SELECT count(*) FROM runs WHERE potentials = 'auto' AND "
                         "potentials_note IS NULL"),
            2);
  EXPECT_EQ(count(store, "SELECT count(*) FROM pragma_table_info('fits') "
                         "WHERE name IN ('fstar_share', 'warnings')"),
            2);
  // Version 10: the kernels' level, unknown (NULL) for the runs of older files.
  EXPECT_EQ(count(store, "SELECT count(*) FROM runs WHERE kernels IS NULL"), 2);
  // Version 8: how each fit row was made.
  EXPECT_EQ(count(store, "SELECT count(*) FROM pragma_table_info('fits') WHERE name IN "
                         "('count_basis', 'eps', 'method', 'bootstrap', 'seed')"),
            5);
  EXPECT_EQ(count(store, "SELECT count(*) FROM pragma_table_info('critical_fractions') WHERE "
                         "name IN ('count_basis', 'count_ratio', 'n_star', 'n_star_low', "
                         "'n_star_high', 'method', 'bootstrap', 'seed')"),
            8);
  // A file from a newer symsweep is refused rather than misread.
  store.db().exec("UPDATE schema_version SET version = 99");
  EXPECT_THROW(ResultsStore(path_, Database::Mode::kReadWrite), Error);
}

}  // namespace
}  // namespace symsweep::sweeps

// ---------------------------------------------------------------------------------------------
// merge and the SQL sandbox as store operations

namespace symsweep::sweeps {
namespace {

std::int64_t count_in(const std::string& path, const std::string& sql) {
  Database db(path, Database::Mode::kReadOnly);
  Statement st = db.prepare(sql);
  st.step();
  return st.integer(0);
}

/// Ends the run of `planned` with `status`, logging `steps` steps whose test accuracy is `acc`.
void finish(ResultsStore& store, const PlannedRun& planned, core::RunStatus status, int steps,
            double acc) {
  Statement id = store.db().prepare("SELECT id FROM runs WHERE config_hash = ?1");
  id.bind(1, planned.config_hash);
  ASSERT_TRUE(id.step());
  const std::int64_t run = id.integer(0);
  store.mark_running(run);
  core::RunOutcome o;
  o.status = status;
  if (status != core::RunStatus::kDone) o.error = "the node was lost";
  for (int i = 0; i < steps; ++i) {
    core::StepMetrics m;
    m.step = i;
    m.test_acc = acc;
    o.result.log.push_back(m);
  }
  ASSERT_TRUE(store.write_result(run, o, Provenance{"v", "g", "h", "mpi", 1}));
}

TEST_F(StoreTest, MergingStoresWithOverlappingRunsKeepsEachHashOnceWithTheDoneCopy) {
  const std::string a = (dir_ / "a.db").string(), b = (dir_ / "b.db").string();
  const std::string out = (dir_ / "out.db").string();
  const SweepSpec small = spec("0.4, 0.6");       // 4 runs
  const SweepSpec large = spec("0.4, 0.6, 0.8");  // the same 4 and 2 more; another spec text
  const PlannedRun& x = small.runs[0];  // done in a, failed in b
  const PlannedRun& y = small.runs[1];  // pending in a, done in b
  {
    ResultsStore store(a, Database::Mode::kReadWrite);
    store.add_runs(store.upsert_sweep(small.name, small.text, small.hash), small.runs);
    finish(store, x, core::RunStatus::kDone, 3, 0.9);
  }
  {
    ResultsStore store(b, Database::Mode::kReadWrite);
    store.add_runs(store.upsert_sweep(large.name, large.text, large.hash), large.runs);
    finish(store, x, core::RunStatus::kFailed, 1, 0.1);
    finish(store, y, core::RunStatus::kDone, 2, 0.7);
  }
  std::vector<std::string> warnings;
  const std::vector<MergeCounts> counts =
      merge_results(out, {a, b}, [&](const std::string& w) { warnings.push_back(w); });

  ASSERT_EQ(counts.size(), 2u);
  EXPECT_EQ(counts[0].added, 4);
  EXPECT_EQ(counts[0].sweeps_added, 1);
  EXPECT_EQ(counts[1].added, 2);     // the runs of 0.8
  EXPECT_EQ(counts[1].replaced, 1);  // y: b's done copy beats a's pending one
  EXPECT_EQ(counts[1].skipped, 3);   // x (a's done copy beats b's failed one), two pending
  EXPECT_EQ(counts[1].sweeps_added, 0);
  // Each config hash once.
  EXPECT_EQ(count_in(out, "SELECT count(*) FROM runs"),
            static_cast<std::int64_t>(large.runs.size()));
  EXPECT_EQ(count_in(out, "SELECT count(DISTINCT config_hash) FROM runs"),
            static_cast<std::int64_t>(large.runs.size()));
  // The done copies are kept, each with its own rows only.
  auto rows_of = [&](const PlannedRun& r, const std::string& where) {
    return count_in(out, "SELECT count(*) FROM runs JOIN metrics ON metrics.run_id = runs.id "
                         "WHERE config_hash = '" + r.config_hash + "' AND " + where);
  };
  EXPECT_EQ(count_in(out, "SELECT count(*) FROM runs WHERE status = 'done' AND config_hash = '" +
                              x.config_hash + "'"),
            1);
  EXPECT_EQ(rows_of(x, "1"), 3);
  EXPECT_EQ(rows_of(x, "metrics.test_acc = 0.9"), 3);
  EXPECT_EQ(count_in(out, "SELECT count(*) FROM runs WHERE status = 'done' AND config_hash = '" +
                              y.config_hash + "'"),
            1);
  EXPECT_EQ(rows_of(y, "1"), 2);
  EXPECT_EQ(rows_of(y, "metrics.test_acc = 0.7"), 2);
  EXPECT_EQ(count_in(out, "SELECT count(*) FROM attempts JOIN runs ON runs.id = attempts.run_id "
                          "WHERE config_hash = '" + x.config_hash + "' AND outcome <> 'done'"),
            0);
  // The sweep is one, with the first input's spec, and the other spec is warned about.
  EXPECT_EQ(count_in(out, "SELECT count(*) FROM sweeps"), 1);
  {
    Database db(out, Database::Mode::kReadOnly);
    Statement spec_text = db.prepare("SELECT spec FROM sweeps");
    ASSERT_TRUE(spec_text.step());
    EXPECT_EQ(spec_text.text(0), small.text);
  }
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("\"" + small.name + "\""), std::string::npos) << warnings[0];
  EXPECT_NE(warnings[0].find(b), std::string::npos) << warnings[0];
  EXPECT_EQ(count_in(out, "SELECT count(*) FROM sweep_runs"),
            static_cast<std::int64_t>(large.runs.size()));
}

TEST_F(StoreTest, TheSqlSandboxRefusesWritesEvenOnAWritableConnection) {
  {
    ResultsStore store(path_, Database::Mode::kReadWrite);
    const SweepSpec s = spec("0.5");
    store.add_runs(store.upsert_sweep(s.name, s.text, s.hash), s.runs);
  }
  Database db(path_, Database::Mode::kReadWrite);
  for (const std::string sql :
       {"DELETE FROM runs", "UPDATE runs SET status = 'done'",
        "INSERT INTO sweeps (name, spec, spec_hash, created) VALUES ('x', '', '', '')",
        "DROP TABLE metrics", "CREATE TABLE t (x)", "PRAGMA query_only = 0",
        "SELECT 1; DELETE FROM runs", "SELECT 1; SELECT 2", "", "-- no statement"}) {
    try {
      UserQuery q(db, sql, "test \"" + sql + "\"");
      ADD_FAILURE() << "accepted: " << sql;
    } catch (const InputError& e) {
      EXPECT_EQ(std::string(e.what()).rfind("test \"" + sql + "\": ", 0), 0u) << e.what();
    }
  }
  // The connection stays restricted to reading: nothing else can write through it either.
  EXPECT_THROW(db.exec("DELETE FROM runs"), Error);
  EXPECT_EQ(count_in(path_, "SELECT count(*) FROM runs WHERE status = 'pending'"), 2);
  EXPECT_EQ(count_in(path_, "SELECT count(*) FROM sweeps"), 1);
  EXPECT_EQ(count_in(path_, "SELECT count(*) FROM sqlite_master WHERE name IN ('metrics', 't')"),
            1);
}

TEST_F(StoreTest, TheSqlSandboxReadsValuesWithTheirTypes) {
  { ResultsStore store(path_, Database::Mode::kReadWrite); }
  Database db(path_, Database::Mode::kReadOnly);
  UserQuery q(db, "SELECT 7 AS i, 2.5 AS r, 'a' || char(0) || 'b' AS t, NULL AS n; -- the end",
              "test");
  EXPECT_EQ(q.column_names(), (std::vector<std::string>{"i", "r", "t", "n"}));
  ASSERT_TRUE(q.step());
  const std::vector<SqlValue> v = q.values();
  ASSERT_EQ(v.size(), 4u);
  EXPECT_EQ(v[0], SqlValue(std::int64_t{7}));
  EXPECT_EQ(v[1], SqlValue(2.5));
  EXPECT_EQ(v[2], SqlValue(std::string("a\0b", 3)));  // text with a NUL byte, all of it
  EXPECT_TRUE(std::holds_alternative<std::monostate>(v[3]));
  EXPECT_FALSE(q.step());
  // Errors of the statement, when prepared or when run, are the user's (InputError).
  EXPECT_THROW(UserQuery(db, "SELECT no_such_column FROM runs", "test"), InputError);
  UserQuery overflow(db, "SELECT abs(-9223372036854775807 - 1)", "test");
  EXPECT_THROW(overflow.step(), InputError);
}

}  // namespace
}  // namespace symsweep::sweeps
