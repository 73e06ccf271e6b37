#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>

#include "sweeps/spec.hpp"
#include "core/error.hpp"
#include "sweeps/store.hpp"

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
    store.db().exec(
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
  // A file from a newer symsweep is refused rather than misread.
  store.db().exec("UPDATE schema_version SET version = 99");
  EXPECT_THROW(ResultsStore(path_, Database::Mode::kReadWrite), Error);
}

}  // namespace
}  // namespace symsweep::sweeps
