#include "sweeps/store.hpp"

#include <fmt/chrono.h>
#include <fmt/core.h>

#include <chrono>
#include <cstdlib>
#include <thread>
#include <nlohmann/json.hpp>
#include <cmath>

#include "core/error.hpp"

namespace symsweep::sweeps {

namespace {

// Version 1 of the schema. Later versions append migrations to kMigrations; a file at version
// v gets migrations v..kSchemaVersion-1 applied in order, each in its own transaction.
constexpr const char* kSchemaV1 = R"sql(
CREATE TABLE schema_version (version INTEGER NOT NULL);
CREATE TABLE sweeps (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  spec TEXT NOT NULL,
  spec_hash TEXT NOT NULL,
  created TEXT NOT NULL
);
CREATE TABLE runs (
  id INTEGER PRIMARY KEY,
  sweep_id INTEGER NOT NULL REFERENCES sweeps(id),
  config_hash TEXT NOT NULL UNIQUE,
  config_json TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'pending'
    CHECK (status IN ('pending', 'running', 'done', 'failed', 'diverged')),
  attempts INTEGER NOT NULL DEFAULT 0,
  error TEXT,
  group_spec TEXT NOT NULL,
  group_order INTEGER NOT NULL,
  abelian INTEGER NOT NULL,
  width INTEGER NOT NULL,
  data_fraction REAL NOT NULL,
  augment TEXT NOT NULL,
  augment_order INTEGER NOT NULL,
  seed INTEGER NOT NULL,
  optimizer TEXT NOT NULL,
  lr REAL NOT NULL,
  weight_decay REAL NOT NULL,
  init_scale REAL NOT NULL,
  steps INTEGER NOT NULL,
  precision TEXT NOT NULL,
  log_every INTEGER NOT NULL,
  est_cost REAL NOT NULL,
  train_loss REAL, test_loss REAL, train_acc REAL, test_acc REAL, full_loss REAL,
  binary_gap REAL, max_offtarget_mp REAL, effective_dim REAL, conservation_drift REAL,
  frequencies_per_neuron REAL, kappa INTEGER, train_pairs INTEGER, sampled_pairs INTEGER,
  steps_done INTEGER,
  version TEXT, git_rev TEXT, host TEXT, ranks INTEGER, mpi_library TEXT,
  started_at TEXT, finished_at TEXT, wall_seconds REAL
);
CREATE INDEX runs_status ON runs(status);
CREATE TABLE sweep_runs (
  sweep_id INTEGER NOT NULL REFERENCES sweeps(id),
  run_id INTEGER NOT NULL REFERENCES runs(id),
  PRIMARY KEY (sweep_id, run_id)
);
CREATE TABLE metrics (
  run_id INTEGER NOT NULL REFERENCES runs(id),
  step INTEGER NOT NULL,
  train_loss REAL, test_loss REAL, train_acc REAL, test_acc REAL, full_loss REAL,
  binary_gap REAL, max_offtarget_mp REAL, effective_dim REAL, frequencies_per_neuron REAL,
  drift_q REAL, drift_s REAL, drift_c REAL,
  PRIMARY KEY (run_id, step)
);
CREATE TABLE potentials (
  run_id INTEGER NOT NULL REFERENCES runs(id),
  step INTEGER NOT NULL,
  k INTEGER NOT NULL,
  dim INTEGER NOT NULL DEFAULT 1,
  indicator INTEGER,
  re REAL, im REAL,
  PRIMARY KEY (run_id, step, k)
);
CREATE TABLE fits (
  id INTEGER PRIMARY KEY,
  sweep TEXT NOT NULL,
  law TEXT NOT NULL,
  parameter TEXT NOT NULL,
  estimate REAL, low REAL, high REAL, r2 REAL,
  cells INTEGER,
  created TEXT NOT NULL
);
CREATE TABLE attempts (
  run_id INTEGER NOT NULL REFERENCES runs(id),
  attempt INTEGER NOT NULL,
  started_at TEXT,
  stopped_at TEXT,
  outcome TEXT NOT NULL,
  reason TEXT
);
INSERT INTO schema_version VALUES (1);
)sql";

/// Forward migrations: kMigrations[v - 1] takes a file from version v to v + 1.
constexpr const char* kMigrations[] = {
    // 1 -> 2: `symsweep fit` records each cell's critical fractions, and which stratum (the
    // settings shared by the cells of one law fit) and model each fitted parameter belongs to.
    R"sql(
CREATE TABLE critical_fractions (
  sweep TEXT NOT NULL,
  cell TEXT NOT NULL,
  group_spec TEXT NOT NULL,
  group_order INTEGER NOT NULL,
  augment TEXT NOT NULL,
  augment_order INTEGER NOT NULL,
  width INTEGER NOT NULL,
  eps REAL NOT NULL,
  estimate REAL, low REAL, high REAL,
  censoring TEXT NOT NULL,
  reason TEXT,
  runs INTEGER NOT NULL,
  seeds INTEGER NOT NULL,
  created TEXT NOT NULL
);
ALTER TABLE fits ADD COLUMN stratum TEXT;
ALTER TABLE fits ADD COLUMN model TEXT;
ALTER TABLE fits ADD COLUMN preferred INTEGER;
)sql",
    // 2 -> 3: monomial potentials of non-abelian groups, per irreducible representation: the
    // potentials rows of an irrep carry k = its index, dim, indicator, re = rho_tau and gap.
    R"sql(
ALTER TABLE potentials ADD COLUMN gap REAL;
ALTER TABLE runs ADD COLUMN off_target_energy REAL;
ALTER TABLE runs ADD COLUMN irrep_concentration REAL;
ALTER TABLE metrics ADD COLUMN off_target_energy REAL;
ALTER TABLE metrics ADD COLUMN irrep_concentration REAL;
)sql"};

std::string num(double v) { return fmt::format("{}", v); }

}  // namespace

std::string utc_now() {
  return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", fmt::gmtime(std::chrono::system_clock::now()));
}

std::string canonical_config_json(const core::RunConfig& c) {
  const core::TrainConfig& t = c.train;
  return fmt::format(
      R"({{"group":{},"data_fraction":{},"augment":{},"width":{},"seed":{},)"
      R"("optimizer":"{}","lr":{},"weight_decay":{},"init_scale":{},"steps":{},)"
      R"("precision":"{}","log_every":{}}})",
      nlohmann::json(c.group).dump(), num(c.data_fraction), nlohmann::json(c.augment).dump(), t.width, t.seed, core::to_string(t.optimizer),
      num(t.lr), num(t.weight_decay), num(t.init_scale), t.steps, core::to_string(t.precision),
      t.log_every);
}

std::string content_hash(const std::string& text) {
  // Two independent 64-bit FNV-1a streams, each finished with a SplitMix64 mix.
  std::uint64_t h1 = 0xcbf29ce484222325ULL, h2 = 0x84222325cbf29ce4ULL;
  for (unsigned char ch : text) {
    h1 = (h1 ^ ch) * 0x100000001b3ULL;
    h2 = (h2 ^ (ch + 0x5bU)) * 0x100000001b3ULL;
  }
  auto mix = [](std::uint64_t x) {
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
  };
  return fmt::format("{:016x}{:016x}", mix(h1), mix(h2 ^ h1));
}

ResultsStore::ResultsStore(const std::string& path, Database::Mode mode) : db_(path, mode) {
  if (mode == Database::Mode::kReadWrite) migrate();
}

void ResultsStore::migrate() {
  Statement has = db_.prepare(
      "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'");
  has.step();
  const bool fresh = has.integer(0) == 0;
  has.reset();
  if (fresh) {
    // A new file starts at version 1 and takes the same migrations as an old one.
    Transaction tx(db_);
    db_.exec(kSchemaV1);
    tx.commit();
  }
  Statement v = db_.prepare("SELECT max(version) FROM schema_version");
  v.step();
  int version = static_cast<int>(v.integer(0));
  if (version > kSchemaVersion) {
    throw Error(fmt::format("database \"{}\": schema version {} is newer than this symsweep ({})",
                            db_.path(), version, kSchemaVersion));
  }
  for (; version < kSchemaVersion; ++version) {
    Transaction tx(db_);
    db_.exec(kMigrations[version - 1]);
    db_.exec(fmt::format("UPDATE schema_version SET version = {}", version + 1));
    tx.commit();
  }
}

std::int64_t ResultsStore::upsert_sweep(const std::string& name, const std::string& spec_text,
                                        const std::string& spec_hash) {
  Transaction tx(db_);
  db_.prepare(
         "INSERT INTO sweeps (name, spec, spec_hash, created) VALUES (?1, ?2, ?3, ?4) "
         "ON CONFLICT(name) DO UPDATE SET spec = excluded.spec, spec_hash = excluded.spec_hash")
      .bind(1, name)
      .bind(2, spec_text)
      .bind(3, spec_hash)
      .bind(4, utc_now())
      .run();
  Statement id = db_.prepare("SELECT id FROM sweeps WHERE name = ?1");
  id.bind(1, name);
  id.step();
  const std::int64_t sweep_id = id.integer(0);
  tx.commit();
  return sweep_id;
}

std::int64_t ResultsStore::add_runs(std::int64_t sweep_id, const std::vector<PlannedRun>& runs) {
  Transaction tx(db_);
  Statement ins = db_.prepare(
      "INSERT OR IGNORE INTO runs (sweep_id, config_hash, config_json, group_spec, group_order, "
      "abelian, width, data_fraction, augment, augment_order, seed, optimizer, lr, weight_decay, "
      "init_scale, steps, precision, log_every, est_cost) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, "
      "?19)");
  Statement link = db_.prepare(
      "INSERT OR IGNORE INTO sweep_runs (sweep_id, run_id) "
      "SELECT ?1, id FROM runs WHERE config_hash = ?2");
  std::int64_t added = 0;
  for (const PlannedRun& r : runs) {
    const core::TrainConfig& t = r.config.train;
    ins.bind(1, sweep_id)
        .bind(2, r.config_hash)
        .bind(3, r.config_json)
        .bind(4, r.config.group)
        .bind(5, r.group_order)
        .bind(6, r.abelian ? 1 : 0)
        .bind(7, t.width)
        .bind(8, r.config.data_fraction)
        .bind(9, r.config.augment)
        .bind(10, r.augment_order)
        .bind(11, static_cast<std::int64_t>(t.seed))
        .bind(12, core::to_string(t.optimizer))
        .bind(13, t.lr)
        .bind(14, t.weight_decay)
        .bind(15, t.init_scale)
        .bind(16, t.steps)
        .bind(17, core::to_string(t.precision))
        .bind(18, t.log_every)
        .bind(19, r.cost);
    ins.run();
    added += db_.changes();
    link.bind(1, sweep_id).bind(2, r.config_hash);
    link.run();
  }
  tx.commit();
  return added;
}

std::int64_t ResultsStore::recover_running(int max_attempts) {
  Transaction tx(db_);
  db_.prepare(
         "INSERT INTO attempts (run_id, attempt, started_at, stopped_at, outcome, reason) "
         "SELECT id, attempts, started_at, ?1, 'lost', 'the job ended while the run was running' "
         "FROM runs WHERE status = 'running'")
      .bind(1, utc_now())
      .run();
  db_.prepare(
         "UPDATE runs SET status = 'failed', error = 'gave up after ' || attempts || "
         "' attempts (the job ended while it was running each time)' "
         "WHERE status = 'running' AND attempts >= ?1")
      .bind(1, max_attempts)
      .run();
  db_.exec("UPDATE runs SET status = 'pending' WHERE status = 'running'");
  const std::int64_t n = db_.changes();
  tx.commit();
  return n;
}

StatusCounts ResultsStore::counts(std::optional<std::int64_t> sweep_id) {
  Statement s = db_.prepare(
      sweep_id ? "SELECT status, count(*) FROM runs JOIN sweep_runs ON sweep_runs.run_id = runs.id "
                 "WHERE sweep_runs.sweep_id = ?1 GROUP BY status"
               : "SELECT status, count(*) FROM runs GROUP BY status");
  if (sweep_id) s.bind(1, *sweep_id);
  StatusCounts c;
  while (s.step()) {
    const std::string st = s.text(0);
    const std::int64_t n = s.integer(1);
    if (st == "pending") c.pending = n;
    if (st == "running") c.running = n;
    if (st == "done") c.done = n;
    if (st == "failed") c.failed = n;
    if (st == "diverged") c.diverged = n;
  }
  return c;
}

std::vector<ResultsStore::PendingRun> ResultsStore::pending_runs(std::int64_t sweep_id) {
  Statement s = db_.prepare(
      "SELECT runs.id, group_spec, data_fraction, augment, width, seed, optimizer, lr, "
      "weight_decay, init_scale, steps, precision, log_every, est_cost, config_hash FROM runs "
      "JOIN sweep_runs ON sweep_runs.run_id = runs.id "
      "WHERE sweep_runs.sweep_id = ?1 AND status = 'pending' ORDER BY est_cost DESC, runs.id");
  s.bind(1, sweep_id);
  std::vector<PendingRun> out;
  while (s.step()) {
    PendingRun p;
    p.id = s.integer(0);
    p.config.group = s.text(1);
    p.config.data_fraction = s.real(2);
    p.config.augment = s.text(3);
    core::TrainConfig& t = p.config.train;
    t.width = s.integer(4);
    t.seed = static_cast<std::uint64_t>(s.integer(5));
    t.optimizer = core::parse_optimizer(s.text(6));
    t.lr = s.real(7);
    t.weight_decay = s.real(8);
    t.init_scale = s.real(9);
    t.steps = s.integer(10);
    t.precision = core::parse_precision(s.text(11));
    t.log_every = s.integer(12);
    p.cost = s.real(13);
    p.config_hash = s.text(14);
    out.push_back(std::move(p));
  }
  return out;
}

void ResultsStore::mark_running(std::int64_t run_id) {
  db_.prepare(
         "UPDATE runs SET status = 'running', attempts = attempts + 1, started_at = ?2 "
         "WHERE id = ?1")
      .bind(1, run_id)
      .bind(2, utc_now())
      .run();
}

void ResultsStore::mark_interrupted(std::int64_t run_id, const std::string& reason) {
  Transaction tx(db_);
  db_.prepare(
         "INSERT INTO attempts (run_id, attempt, started_at, stopped_at, outcome, reason) "
         "SELECT id, attempts, started_at, ?2, 'interrupted', ?3 FROM runs WHERE id = ?1")
      .bind(1, run_id)
      .bind(2, utc_now())
      .bind(3, reason)
      .run();
  db_.prepare(
         "UPDATE runs SET status = 'pending', attempts = max(attempts - 1, 0) WHERE id = ?1 "
         "AND status = 'running'")
      .bind(1, run_id)
      .run();
  tx.commit();
}

void ResultsStore::write_result(std::int64_t run_id, const core::RunOutcome& o,
                                const Provenance& p) {
  Transaction tx(db_);
  const std::string now = utc_now();
  const bool has_log = !o.result.log.empty();
  const core::StepMetrics last = has_log ? o.result.log.back() : core::StepMetrics{};
  Statement up = db_.prepare(
      "UPDATE runs SET status = ?2, error = ?3, train_loss = ?4, test_loss = ?5, train_acc = ?6, "
      "test_acc = ?7, full_loss = ?8, binary_gap = ?9, max_offtarget_mp = ?10, "
      "effective_dim = ?11, conservation_drift = ?12, frequencies_per_neuron = ?13, kappa = ?14, "
      "train_pairs = ?15, sampled_pairs = ?16, steps_done = ?17, version = ?18, git_rev = ?19, "
      "host = ?20, ranks = ?21, mpi_library = ?22, finished_at = ?23, wall_seconds = ?24, "
      "off_target_energy = ?25, irrep_concentration = ?26 WHERE id = ?1");
  up.bind(1, run_id).bind(2, core::to_string(o.status));
  if (o.error.empty()) {
    up.bind(3, std::nullopt);
  } else {
    up.bind(3, o.error);
  }
  if (has_log && o.status == core::RunStatus::kDone) {
    up.bind(4, last.train_loss)
        .bind(5, last.test_loss)
        .bind(6, last.train_acc)
        .bind(7, last.test_acc)
        .bind(8, last.full_loss)
        .bind(9, last.binary_gap)
        .bind(10, last.max_offtarget_mp)
        .bind(11, last.effective_dim)
        .bind(12, last.drift.q)
        .bind(13, last.frequencies_per_neuron);
  } else {
    for (int i = 4; i <= 13; ++i) up.bind(i, std::nullopt);
  }
  if (o.status == core::RunStatus::kFailed) {
    for (int i = 14; i <= 17; ++i) up.bind(i, std::nullopt);
  } else {
    up.bind(14, o.result.kappa)
        .bind(15, static_cast<std::int64_t>(o.train_pairs))
        .bind(16, static_cast<std::int64_t>(o.sampled_pairs))
        .bind(17, o.result.steps_done);
  }
  up.bind(18, p.version)
      .bind(19, p.git_rev)
      .bind(20, p.host)
      .bind(21, p.ranks)
      .bind(22, p.mpi_library)
      .bind(23, now)
      .bind(24, o.result.wall_seconds);
  if (has_log && o.status == core::RunStatus::kDone) {
    up.bind(25, last.off_target_energy).bind(26, last.irrep_concentration);
  } else {
    up.bind(25, std::nullopt).bind(26, std::nullopt);
  }
  up.run();

  db_.prepare("DELETE FROM metrics WHERE run_id = ?1").bind(1, run_id).run();
  db_.prepare("DELETE FROM potentials WHERE run_id = ?1").bind(1, run_id).run();
  Statement met = db_.prepare(
      "INSERT INTO metrics (run_id, step, train_loss, test_loss, train_acc, test_acc, full_loss, "
      "binary_gap, max_offtarget_mp, effective_dim, frequencies_per_neuron, drift_q, drift_s, "
      "drift_c, off_target_energy, irrep_concentration) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)");
  Statement pot = db_.prepare(
      "INSERT INTO potentials (run_id, step, k, dim, indicator, re, im, gap) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
  for (const core::StepMetrics& m : o.result.log) {
    met.bind(1, run_id)
        .bind(2, m.step)
        .bind(3, m.train_loss)
        .bind(4, m.test_loss)
        .bind(5, m.train_acc)
        .bind(6, m.test_acc)
        .bind(7, m.full_loss)
        .bind(8, m.binary_gap)
        .bind(9, m.max_offtarget_mp)
        .bind(10, m.effective_dim)
        .bind(11, m.frequencies_per_neuron)
        .bind(12, m.drift.q)
        .bind(13, m.drift.s)
        .bind(14, m.drift.c)
        .bind(15, m.off_target_energy)
        .bind(16, m.irrep_concentration);
    met.run();
    if (m.rho_kkk) {
      // Characters: k is the frequency (dual-group index), dim 1.
      for (std::size_t k = 0; k < m.rho_kkk->size(); ++k) {
        pot.bind(1, run_id)
            .bind(2, m.step)
            .bind(3, static_cast<std::int64_t>(k + 1))
            .bind(4, 1)
            .bind(5, std::nullopt)
            .bind(6, (*m.rho_kkk)[k].real())
            .bind(7, (*m.rho_kkk)[k].imag())
            .bind(8, std::nullopt);
        pot.run();
      }
    }
    if (m.irreps) {
      // Irreps: k is the irrep's index in the group's IrrepSet; re = rho_tau (real).
      for (const core::IrrepValue& v : *m.irreps) {
        pot.bind(1, run_id)
            .bind(2, m.step)
            .bind(3, v.index)
            .bind(4, v.dim)
            .bind(5, v.indicator)
            .bind(6, v.rho)
            .bind(7, std::nullopt)
            .bind(8, v.gap);
        pot.run();
      }
    }
  }
  db_.prepare(
         "INSERT INTO attempts (run_id, attempt, started_at, stopped_at, outcome, reason) "
         "SELECT id, attempts, started_at, ?2, status, error FROM runs WHERE id = ?1")
      .bind(1, run_id)
      .bind(2, now)
      .run();
  // Fault injection for the reliability tests: hold the write transaction open so that a kill
  // lands inside it.
  if (const char* ms = std::getenv("SYMSWEEP_FAULT_SLOW_WRITE_MS")) {
    std::this_thread::sleep_for(std::chrono::milliseconds(std::atoi(ms)));
  }
  tx.commit();
}

}  // namespace symsweep::sweeps
