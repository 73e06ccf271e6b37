#include "store/schema.hpp"

#include <fmt/core.h>

#include <iterator>

#include "symsweep/core/error.hpp"

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
)sql",
    // 3 -> 4: several jobs on one database. Every `run` registers a job with a heartbeat; a
    // running run names the job that holds it; attempts name the job that made them; a sweep
    // keeps every version of its spec (`run --extend`).
    R"sql(
CREATE TABLE jobs (
  id INTEGER PRIMARY KEY,
  sweep_id INTEGER REFERENCES sweeps(id),
  host TEXT NOT NULL,
  pid INTEGER NOT NULL,
  ranks INTEGER NOT NULL,
  launcher TEXT,
  slurm_job_id TEXT, slurm_array_job_id TEXT, slurm_array_task_id TEXT,
  started_at TEXT NOT NULL,
  heartbeat_at TEXT NOT NULL,
  heartbeat REAL NOT NULL,
  lease_seconds REAL NOT NULL,
  state TEXT NOT NULL DEFAULT 'alive' CHECK (state IN ('alive', 'ended', 'dead')),
  ended_at TEXT,
  exit_code INTEGER,
  reason TEXT,
  liveness TEXT
);
ALTER TABLE runs ADD COLUMN job_id INTEGER;
ALTER TABLE attempts ADD COLUMN job_id INTEGER;
CREATE INDEX runs_claim ON runs(status, est_cost DESC, id);
CREATE INDEX attempts_run ON attempts(run_id);
CREATE TABLE sweep_specs (
  sweep_id INTEGER NOT NULL REFERENCES sweeps(id),
  version INTEGER NOT NULL,
  spec TEXT NOT NULL,
  spec_hash TEXT NOT NULL,
  created TEXT NOT NULL,
  PRIMARY KEY (sweep_id, version)
);
INSERT INTO sweep_specs (sweep_id, version, spec, spec_hash, created)
  SELECT id, 1, spec, spec_hash, created FROM sweeps;
)sql",
    // 4 -> 5: every training setting is a column of `runs` (core/fields.hpp's list); runs
    // stored before had the defaults.
    R"sql(
ALTER TABLE runs ADD COLUMN beta1 REAL NOT NULL DEFAULT 0.9;
ALTER TABLE runs ADD COLUMN beta2 REAL NOT NULL DEFAULT 0.999;
ALTER TABLE runs ADD COLUMN adam_eps REAL NOT NULL DEFAULT 1e-08;
)sql",
    // 5 -> 6: one name per value: the final drift of Q is runs.drift_q, as in `metrics` and in
    // train --json (it was runs.conservation_drift). `symsweep fit` stores each run's Theorem 2
    // fits (one row per frequency k of rho_kkk, or per irrep index), which `report` draws.
    R"sql(
ALTER TABLE runs RENAME COLUMN conservation_drift TO drift_q;
CREATE TABLE theorem2_fits (
  run_id INTEGER NOT NULL REFERENCES runs(id),
  k INTEGER NOT NULL,
  dim INTEGER NOT NULL DEFAULT 1,
  fitted INTEGER NOT NULL,
  reason TEXT,
  c REAL, r2 REAL, rmse REAL,
  points INTEGER NOT NULL,
  created TEXT NOT NULL,
  PRIMARY KEY (run_id, k)
);
)sql",
    // 6 -> 7: each law parameter says how much of its interval the cells' f* intervals account
    // for, and a weak law says why (fewer than 3 distinct values of a varied quantity, R^2 < 0.9;
    // lines joined by "; ", NULL for a law the data support).
    R"sql(
ALTER TABLE fits ADD COLUMN fstar_share REAL;
ALTER TABLE fits ADD COLUMN warnings TEXT;
)sql",
    // 7 -> 8: every row of fit says how it was made: the count N* is expressed in
    // (`count_basis`: 'sampled' pairs f* n^2, or 'augmented': the training set after
    // augmentation), the estimator (`method`), the bootstrap size and the base seed, and (fits)
    // the eps values the law was fitted over, as text "0.5,0.1". A re-fit replaces only the rows
    // of the keys it recomputes: critical_fractions (sweep, cell, eps, count_basis), fits
    // (sweep, stratum, eps, count_basis). Critical fractions carry N* and its interval on their
    // basis, and `count_ratio`, the factor from f* n^2 to it. Rows made before: the sampled
    // count (the only one there was), N* = f* n^2; a fit's eps are those of its sweep's
    // critical fractions (one fit replaced all of a sweep's rows); method, bootstrap and seed
    // are unknown (NULL).
    R"sql(
ALTER TABLE critical_fractions ADD COLUMN count_basis TEXT NOT NULL DEFAULT 'sampled';
ALTER TABLE critical_fractions ADD COLUMN count_ratio REAL;
ALTER TABLE critical_fractions ADD COLUMN n_star REAL;
ALTER TABLE critical_fractions ADD COLUMN n_star_low REAL;
ALTER TABLE critical_fractions ADD COLUMN n_star_high REAL;
ALTER TABLE critical_fractions ADD COLUMN method TEXT;
ALTER TABLE critical_fractions ADD COLUMN bootstrap INTEGER;
ALTER TABLE critical_fractions ADD COLUMN seed INTEGER;
UPDATE critical_fractions SET
  count_ratio = CASE WHEN estimate IS NULL THEN NULL ELSE 1.0 END,
  n_star = estimate * group_order * group_order,
  n_star_low = low * group_order * group_order,
  n_star_high = high * group_order * group_order;
ALTER TABLE fits ADD COLUMN count_basis TEXT NOT NULL DEFAULT 'sampled';
ALTER TABLE fits ADD COLUMN eps TEXT;
ALTER TABLE fits ADD COLUMN method TEXT;
ALTER TABLE fits ADD COLUMN bootstrap INTEGER;
ALTER TABLE fits ADD COLUMN seed INTEGER;
UPDATE fits SET eps = (
  SELECT group_concat(CAST(e AS TEXT), ',') FROM (
    SELECT DISTINCT c.eps AS e FROM critical_fractions c WHERE c.sweep = fits.sweep
    ORDER BY c.eps DESC));
CREATE INDEX critical_fractions_key ON critical_fractions(sweep, cell, eps, count_basis);
CREATE INDEX fits_key ON fits(sweep, stratum, eps, count_basis);
)sql",
    // 8 -> 9: what a logged step measures (the setting `potentials`; the runs of older files
    // measured every MP, which is what auto chose for them as well as full), and why a run
    // measured only rho_kkk (NULL: it measured what it was asked to).
    R"sql(
ALTER TABLE runs ADD COLUMN potentials TEXT NOT NULL DEFAULT 'auto';
ALTER TABLE runs ADD COLUMN potentials_note TEXT;
)sql",
    // 9 -> 10: the level of core's kernels that trained a run (docs/kernels.md); NULL for the
    // runs of older files.
    R"sql(
ALTER TABLE runs ADD COLUMN kernels TEXT;
)sql",
    // 10 -> 11: the model's settings beyond today's mean-field network (docs/model.md): the
    // parametrization, the initial law, the loss and sgd's momentum; the runs of older files
    // had the defaults.
    R"sql(
ALTER TABLE runs ADD COLUMN parametrization TEXT NOT NULL DEFAULT 'mean-field';
ALTER TABLE runs ADD COLUMN input_multiplier REAL NOT NULL DEFAULT 1.0;
ALTER TABLE runs ADD COLUMN output_multiplier REAL NOT NULL DEFAULT 1.0;
ALTER TABLE runs ADD COLUMN init TEXT NOT NULL DEFAULT 'normal';
ALTER TABLE runs ADD COLUMN init_scale_out REAL NOT NULL DEFAULT 0.0;
ALTER TABLE runs ADD COLUMN loss TEXT NOT NULL DEFAULT 'centred-mse';
ALTER TABLE runs ADD COLUMN momentum REAL NOT NULL DEFAULT 0.0;
)sql",
    // 11 -> 12: the file of a run's final particles (a sweep with save_particles), by its name
    // inside the directory DB.particles beside the database (docs/particles.md); NULL when
    // none was kept, as for every run of older files.
    R"sql(
ALTER TABLE runs ADD COLUMN particles TEXT;
)sql",
    // 12 -> 13: the frequencies of a partial task (target_frequencies, docs/model.md); '' (the
    // whole task) for the runs of older files.
    R"sql(
ALTER TABLE runs ADD COLUMN target_frequencies TEXT NOT NULL DEFAULT '';
)sql",
    // 13 -> 14: the Hessian spectrum of a logged step (spectrum_every, docs/model.md): its
    // counts and ends in `metrics`, NULL where it was not measured; the two settings in `runs`.
    R"sql(
ALTER TABLE metrics ADD COLUMN hessian_negative REAL;
ALTER TABLE metrics ADD COLUMN hessian_large REAL;
ALTER TABLE metrics ADD COLUMN hessian_max REAL;
ALTER TABLE metrics ADD COLUMN hessian_min REAL;
ALTER TABLE runs ADD COLUMN spectrum_every INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN spectrum_k INTEGER NOT NULL DEFAULT 8;
)sql",
    // 14 -> 15: the whole spectrum's estimates by stochastic Lanczos quadrature at the same
    // steps (docs/model.md); NULL where not measured, and for the spectra of older files.
    R"sql(
ALTER TABLE metrics ADD COLUMN hessian_negative_est REAL;
ALTER TABLE metrics ADD COLUMN hessian_negative_se REAL;
ALTER TABLE metrics ADD COLUMN hessian_large_est REAL;
ALTER TABLE metrics ADD COLUMN hessian_large_se REAL;
ALTER TABLE metrics ADD COLUMN hessian_eff_dim REAL;
)sql",
    // 15 -> 16: GAP's answers (a gap:EXPR group's table, the groups of an order) kept with the
    // sweeps that used them, so resumes and merges see the same groups without GAP
    // (core/gap.hpp).
    R"sql(
CREATE TABLE gap_answers (
  question TEXT PRIMARY KEY,
  answer   TEXT NOT NULL
);
)sql"};

static_assert(std::size(kMigrations) == kSchemaVersion - 1,
              "one migration per schema version after the first");

}  // namespace

void create_schema_at(Database& db, int version) {
  if (version < 1 || version > kSchemaVersion) {
    throw DatabaseError(fmt::format("create_schema_at: no schema version {}", version));
  }
  Transaction tx(db);
  db.exec(kSchemaV1);
  for (int v = 1; v < version; ++v) {
    db.exec(kMigrations[v - 1]);
    db.exec(fmt::format("UPDATE schema_version SET version = {}", v + 1));
  }
  tx.commit();
}

void migrate_schema(Database& db) {
  // One transaction from the first look to the last migration: two jobs that open a new file
  // at the same moment cannot both create (or migrate) the schema.
  Transaction tx(db);
  Statement has = db.prepare(
      "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'");
  has.step();
  const bool fresh = has.integer(0) == 0;
  has.reset();
  if (fresh) {
    Statement any = db.prepare("SELECT count(*) FROM sqlite_master");
    any.step();
    if (any.integer(0) > 0) {
      throw DatabaseError(fmt::format(
          "database \"{}\": an SQLite file with other tables, not a symsweep results database",
          db.path()));
    }
    // A new file starts at version 1 and takes the same migrations as an old one.
    db.exec(kSchemaV1);
  }
  Statement v = db.prepare("SELECT max(version) FROM schema_version");
  v.step();
  int version = static_cast<int>(v.integer(0));
  v.reset();
  if (version > kSchemaVersion) {
    throw DatabaseError(
        fmt::format("database \"{}\": schema version {} is newer than this symsweep ({})",
                    db.path(), version, kSchemaVersion));
  }
  for (; version < kSchemaVersion; ++version) {
    db.exec(kMigrations[version - 1]);
    db.exec(fmt::format("UPDATE schema_version SET version = {}", version + 1));
  }
  tx.commit();
}

}  // namespace symsweep::sweeps
