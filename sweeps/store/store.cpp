#include "store/store.hpp"

#include <fmt/chrono.h>
#include <fmt/core.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <thread>
#include <nlohmann/json.hpp>
#include <cmath>

#include "symsweep/core/error.hpp"
#include "symsweep/core/fields.hpp"
#include "store/jobs.hpp"
#include "store/queries.hpp"
#include "store/setting_columns.hpp"

namespace symsweep::sweeps {

std::string particles_dir(const std::string& db) {
  return std::filesystem::absolute(db + ".particles").lexically_normal().string();
}

std::string utc_now() {
  const auto now = std::chrono::system_clock::now();
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      now.time_since_epoch()).count() % 1000;
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03d}Z", fmt::gmtime(now), ms);
}

ResultsStore::ResultsStore(const std::string& path, Database::Mode mode) : db_(path, mode) {
  if (mode == Database::Mode::kReadWrite) migrate_schema(db_);
}

std::int64_t ResultsStore::register_job(const JobInfo& info) {
  return sweeps::register_job(db_, info);
}

std::optional<std::string> ResultsStore::end_job(std::int64_t job_id, int exit_code,
                                                 const std::string& reason) {
  return sweeps::end_job(db_, job_id, exit_code, reason);
}

std::map<std::string, std::string> ResultsStore::gap_answers() {
  std::map<std::string, std::string> out;
  if (!has_table(db_, "gap_answers")) return out;
  Statement s = db_.prepare("SELECT question, answer FROM gap_answers");
  while (s.step()) out.emplace(s.text(0), s.text(1));
  return out;
}

void ResultsStore::save_gap_answers(const std::map<std::string, std::string>& answers) {
  if (answers.empty()) return;
  Transaction tx(db_);
  for (const auto& [question, answer] : answers) {
    db_.prepare("INSERT OR IGNORE INTO gap_answers (question, answer) VALUES (?1, ?2)")
        .bind(1, question)
        .bind(2, answer)
        .run();
  }
  tx.commit();
}

std::optional<StoredSweep> ResultsStore::find_sweep(const std::string& name) {
  Statement s = db_.prepare("SELECT id, spec FROM sweeps WHERE name = ?1");
  s.bind(1, name);
  if (!s.step()) return std::nullopt;
  return StoredSweep{s.integer(0), s.text(1)};
}

std::int64_t ResultsStore::upsert_sweep(const std::string& name, const std::string& spec_text,
                                        const std::string& spec_hash) {
  Transaction tx(db_);
  const std::string now = utc_now();
  db_.prepare(
         "INSERT INTO sweeps (name, spec, spec_hash, created) VALUES (?1, ?2, ?3, ?4) "
         "ON CONFLICT(name) DO UPDATE SET spec = excluded.spec, spec_hash = excluded.spec_hash")
      .bind(1, name)
      .bind(2, spec_text)
      .bind(3, spec_hash)
      .bind(4, now)
      .run();
  Statement id = db_.prepare("SELECT id FROM sweeps WHERE name = ?1");
  id.bind(1, name);
  id.step();
  const std::int64_t sweep_id = id.integer(0);
  // A new version of the spec text is kept beside the earlier ones.
  db_.prepare(
         "INSERT INTO sweep_specs (sweep_id, version, spec, spec_hash, created) "
         "SELECT ?1, (SELECT coalesce(max(version), 0) + 1 FROM sweep_specs WHERE sweep_id = ?1), "
         "?2, ?3, ?4 WHERE NOT EXISTS (SELECT 1 FROM sweep_specs WHERE sweep_id = ?1 "
         "AND spec_hash = ?3 AND version = (SELECT max(version) FROM sweep_specs "
         "WHERE sweep_id = ?1))")
      .bind(1, sweep_id)
      .bind(2, spec_text)
      .bind(3, spec_hash)
      .bind(4, now)
      .run();
  tx.commit();
  return sweep_id;
}

std::int64_t ResultsStore::add_runs(std::int64_t sweep_id, const std::vector<PlannedRun>& runs) {
  Transaction tx(db_);
  std::string placeholders;
  int n = 10;
  const core::TrainConfig any;
  core::visit_train_settings(
      [&](const char*, bool, const auto&) { placeholders += fmt::format(", ?{}", ++n); }, any);
  Statement ins = db_.prepare(fmt::format(
      "INSERT OR IGNORE INTO runs (sweep_id, config_hash, config_json, group_spec, group_order, "
      "abelian, data_fraction, augment, augment_order, est_cost, {}) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10{})",
      setting_columns(), placeholders));
  Statement link = db_.prepare(
      "INSERT OR IGNORE INTO sweep_runs (sweep_id, run_id) "
      "SELECT ?1, id FROM runs WHERE config_hash = ?2");
  std::int64_t added = 0;
  for (const PlannedRun& r : runs) {
    ins.bind(1, sweep_id)
        .bind(2, r.config_hash)
        .bind(3, r.config_json)
        .bind(4, r.config.group)
        .bind(5, r.group_order)
        .bind(6, r.abelian ? 1 : 0)
        .bind(7, r.config.data_fraction)
        .bind(8, r.config.augment)
        .bind(9, r.augment_order)
        .bind(10, r.cost);
    int col = 10;
    core::visit_train_settings(
        [&](const char*, bool, const auto& value) { bind_setting(ins, ++col, value); },
        r.config.train);
    ins.run();
    added += db_.changes();
    link.bind(1, sweep_id).bind(2, r.config_hash);
    link.run();
  }
  tx.commit();
  return added;
}

std::int64_t ResultsStore::recover_running(int max_attempts) {
  return recover_dead_jobs(0, max_attempts);
}

std::int64_t ResultsStore::recover_dead_jobs(std::int64_t my_job, int max_attempts) {
  const double now = unix_now();
  // Looking costs no write lock: most calls find nothing to do.
  auto dead_jobs = [&] {
    std::vector<std::pair<std::int64_t, std::string>> dead;
    for (const JobRow& j : list_jobs(db_)) {
      if (j.id == my_job) continue;
      if (auto why = why_dead(j, now)) dead.emplace_back(j.id, *why);
    }
    return dead;
  };
  auto orphans = [&] {
    Statement o = db_.prepare(
        "SELECT count(*) FROM runs WHERE status = 'running' AND (job_id IS NULL OR job_id NOT IN "
        "(SELECT id FROM jobs WHERE state = 'alive'))");
    o.step();
    return o.integer(0);
  };
  if (dead_jobs().empty() && orphans() == 0) return 0;

  Transaction tx(db_);
  const std::string stamp = utc_now();
  for (const auto& [id, why] : dead_jobs()) {  // again, under the write lock
    db_.prepare(
           "UPDATE jobs SET state = 'dead', ended_at = ?2, reason = ?3 WHERE id = ?1 AND "
           "state = 'alive'")
        .bind(1, id)
        .bind(2, stamp)
        .bind(3, "declared dead: " + why)
        .run();
  }
  constexpr const char* kOrphan =
      "status = 'running' AND (job_id IS NULL OR job_id NOT IN "
      "(SELECT id FROM jobs WHERE state = 'alive'))";
  db_.prepare(fmt::format(
                  "INSERT INTO attempts (run_id, attempt, started_at, stopped_at, outcome, "
                  "reason, job_id) SELECT id, attempts, started_at, ?1, 'lost', "
                  "'the job running it died' || coalesce(' (job ' || job_id || ')', ''), job_id "
                  "FROM runs WHERE {}",
                  kOrphan))
      .bind(1, stamp)
      .run();
  // Lost this many times since the last retry: give up on it.
  db_.prepare(fmt::format(
                  "UPDATE runs SET status = 'failed', job_id = NULL, error = 'gave up after ' || "
                  "?1 || ' attempts (the job running it died each time)' WHERE {} AND "
                  "(SELECT count(*) FROM attempts a WHERE a.run_id = runs.id AND a.outcome = "
                  "'lost' AND a.attempt > coalesce((SELECT max(r.attempt) FROM attempts r WHERE "
                  "r.run_id = runs.id AND r.outcome = 'retried'), -1)) >= ?1",
                  kOrphan))
      .bind(1, max_attempts)
      .run();
  db_.exec(fmt::format("UPDATE runs SET status = 'pending', job_id = NULL WHERE {}", kOrphan));
  const std::int64_t n = db_.changes();
  tx.commit();
  return n;
}

void ResultsStore::plan(const std::vector<PlannedRun>& runs) {
  db_.exec(
      "PRAGMA temp_store = MEMORY; CREATE TEMP TABLE IF NOT EXISTS planned "
      "(run_id INTEGER PRIMARY KEY); DELETE FROM temp.planned");
  Transaction tx(db_);
  Statement ins = db_.prepare(
      "INSERT OR IGNORE INTO temp.planned (run_id) SELECT id FROM runs WHERE config_hash = ?1");
  for (const PlannedRun& r : runs) {
    ins.bind(1, r.config_hash);
    ins.run();
  }
  tx.commit();
}

std::optional<ResultsStore::PendingRun> ResultsStore::claim_next(std::int64_t job_id) {
  Transaction tx(db_);
  Statement s = db_.prepare(
      "SELECT runs.id, group_spec, data_fraction, augment, est_cost, config_hash, " +
      setting_columns() + " FROM runs "
      "WHERE status = 'pending' AND runs.id IN (SELECT run_id FROM temp.planned) "
      "ORDER BY est_cost DESC, runs.id LIMIT 1");
  if (!s.step()) return std::nullopt;
  PendingRun p = pending_from_row(s);
  s.reset();
  // Still pending: we hold the write lock since BEGIN IMMEDIATE.
  db_.prepare(
         "UPDATE runs SET status = 'running', job_id = ?2, attempts = attempts + 1, "
         "started_at = ?3 WHERE id = ?1 AND status = 'pending'")
      .bind(1, p.id)
      .bind(2, job_id)
      .bind(3, utc_now())
      .run();
  if (db_.changes() != 1) return std::nullopt;
  tx.commit();
  return p;
}

PlanCounts ResultsStore::plan_counts(const std::vector<PlannedRun>& runs, std::int64_t my_job,
                                     int max_attempts, const std::vector<std::string>& retry) {
  PlanCounts c;
  const double now = unix_now();
  std::vector<std::int64_t> alive;
  for (const JobRow& j : list_jobs(db_)) {
    if (j.state == "alive" && (j.id == my_job || !why_dead(j, now))) alive.push_back(j.id);
  }
  auto is_alive = [&](std::int64_t id) {
    return std::find(alive.begin(), alive.end(), id) != alive.end();
  };
  // One look-up per planned run (read-only connections cannot make a temporary table).
  Statement s = db_.prepare(
      "SELECT status, job_id, (SELECT count(*) FROM attempts a WHERE a.run_id = runs.id AND "
      "a.outcome = 'lost' AND a.attempt > coalesce((SELECT max(r.attempt) FROM attempts r WHERE "
      "r.run_id = runs.id AND r.outcome = 'retried'), -1)) FROM runs WHERE config_hash = ?1");
  for (const PlannedRun& run : runs) {
    s.bind(1, run.config_hash);
    if (!s.step()) {  // not in the database yet
      ++c.to_run;
      s.reset();
      continue;
    }
    const std::string st = s.text(0);
    const bool retried = std::find(retry.begin(), retry.end(), st) != retry.end();
    if (st == "done") {
      ++c.done;
    } else if (retried) {
      ++c.to_run;
      ++c.retried;
    } else if (st == "failed") {
      ++c.failed;
    } else if (st == "diverged") {
      ++c.diverged;
    } else if (st == "pending") {
      ++c.to_run;
    } else if (st == "running") {
      if (!s.is_null(1) && is_alive(s.integer(1))) {
        ++(s.integer(1) == my_job ? c.running_here : c.held);
      } else if (s.integer(2) + 1 >= max_attempts) {
        ++c.give_up;  // its lost attempt will be its last
      } else {
        ++c.to_run;
        ++c.recovered;
      }
    }
    s.reset();
  }
  return c;
}

std::int64_t ResultsStore::retry(const std::vector<std::string>& states,
                                 const std::string& reason) {
  if (states.empty()) return 0;
  std::string in;
  for (const std::string& st : states) {
    if (st != "failed" && st != "diverged") throw InputError("retry: unknown state " + st);
    in += (in.empty() ? "'" : ", '") + st + "'";
  }
  Transaction tx(db_);
  const std::string cond = fmt::format(
      "status IN ({}) AND id IN (SELECT run_id FROM temp.planned)", in);
  db_.prepare(fmt::format(
                  "INSERT INTO attempts (run_id, attempt, started_at, stopped_at, outcome, "
                  "reason) SELECT id, attempts, ?1, ?1, 'retried', ?2 || ' (was ' || status || "
                  "coalesce(': ' || error, '') || ')' FROM runs WHERE {}",
                  cond))
      .bind(1, utc_now())
      .bind(2, reason)
      .run();
  db_.exec(fmt::format("UPDATE runs SET status = 'pending', job_id = NULL, error = NULL WHERE {}",
                       cond));
  const std::int64_t n = db_.changes();
  tx.commit();
  return n;
}

std::int64_t ResultsStore::held_by_others(std::int64_t job_id) {
  Statement s = db_.prepare(
      "SELECT count(*) FROM runs WHERE status = 'running' AND job_id IS NOT ?1 AND "
      "id IN (SELECT run_id FROM temp.planned)");
  s.bind(1, job_id);
  s.step();
  return s.integer(0);
}

std::int64_t ResultsStore::release_runs(std::int64_t job_id, const std::string& reason) {
  Transaction tx(db_);
  db_.prepare(
         "INSERT INTO attempts (run_id, attempt, started_at, stopped_at, outcome, reason, "
         "job_id) SELECT id, attempts, started_at, ?2, 'interrupted', ?3, job_id FROM runs "
         "WHERE status = 'running' AND job_id = ?1")
      .bind(1, job_id)
      .bind(2, utc_now())
      .bind(3, reason)
      .run();
  db_.prepare(
         "UPDATE runs SET status = 'pending', job_id = NULL, attempts = max(attempts - 1, 0) "
         "WHERE status = 'running' AND job_id = ?1")
      .bind(1, job_id)
      .run();
  const std::int64_t n = db_.changes();
  tx.commit();
  return n;
}

StatusCounts ResultsStore::counts(std::optional<std::int64_t> sweep_id) {
  return count_statuses(db_, sweep_id);
}

ResultsStore::PendingRun ResultsStore::pending_from_row(const Statement& s) {
  PendingRun p;
  p.id = s.integer(0);
  p.config.group = s.text(1);
  p.config.data_fraction = s.real(2);
  p.config.augment = s.text(3);
  p.cost = s.real(4);
  p.config_hash = s.text(5);
  int col = 5;
  core::visit_train_settings([&](const char*, bool, auto& field) { read_setting(s, ++col, field); },
                             p.config.train);
  return p;
}

std::vector<ResultsStore::PendingRun> ResultsStore::pending_runs(std::int64_t sweep_id) {
  Statement s = db_.prepare(
      "SELECT runs.id, group_spec, data_fraction, augment, est_cost, config_hash, " +
      setting_columns() + " FROM runs "
      "JOIN sweep_runs ON sweep_runs.run_id = runs.id "
      "WHERE sweep_runs.sweep_id = ?1 AND status = 'pending' ORDER BY est_cost DESC, runs.id");
  s.bind(1, sweep_id);
  std::vector<PendingRun> out;
  while (s.step()) out.push_back(pending_from_row(s));
  return out;
}

void ResultsStore::mark_running(std::int64_t run_id) {
  db_.prepare(
         "UPDATE runs SET status = 'running', attempts = attempts + 1, started_at = ?2 "
         "WHERE id = ?1 AND status = 'pending'")
      .bind(1, run_id)
      .bind(2, utc_now())
      .run();
}

namespace {

/// The guard of every write about a running run: it is still running, and held by this job
/// (job 0: by nobody in particular, for single-process tools and tests).
constexpr const char* kHeld = "status = 'running' AND (?9 = 0 OR job_id = ?9)";

}  // namespace

bool ResultsStore::mark_interrupted(std::int64_t run_id, const std::string& reason,
                                    std::int64_t job_id) {
  Transaction tx(db_);
  db_.prepare(fmt::format(
                  "INSERT INTO attempts (run_id, attempt, started_at, stopped_at, outcome, "
                  "reason, job_id) SELECT id, attempts, started_at, ?2, 'interrupted', ?3, "
                  "job_id FROM runs WHERE id = ?1 AND {}",
                  kHeld))
      .bind(1, run_id)
      .bind(2, utc_now())
      .bind(3, reason)
      .bind(9, job_id)
      .run();
  db_.prepare(fmt::format(
                  "UPDATE runs SET status = 'pending', job_id = NULL, "
                  "attempts = max(attempts - 1, 0) WHERE id = ?1 AND {}",
                  kHeld))
      .bind(1, run_id)
      .bind(9, job_id)
      .run();
  const bool ours = db_.changes() == 1;
  tx.commit();
  return ours;
}

bool ResultsStore::write_result(std::int64_t run_id, const core::RunOutcome& o,
                                const Provenance& p, std::int64_t job_id,
                                const std::string& particles_file) {
  Transaction tx(db_);
  {
    // A run taken over by another job (this one was declared dead) is not this job's to write.
    Statement held = db_.prepare(fmt::format("SELECT count(*) FROM runs WHERE id = ?1 AND {}",
                                             kHeld));
    held.bind(1, run_id).bind(9, job_id);
    held.step();
    if (held.integer(0) != 1) return false;
  }
  const std::string now = utc_now();
  const bool has_log = !o.result.log.empty();
  const core::StepMetrics last = has_log ? o.result.log.back() : core::StepMetrics{};
  // The run's own facts, then its final metrics: one column per field of core/fields.hpp that
  // has a final value (NULL unless the run is done).
  std::string final_set;
  int next = 20;
  core::visit_step_scalars(last, [&](core::FieldName f, const auto&) {
    if (f.run_column != nullptr) final_set += fmt::format(", {} = ?{}", f.run_column, next++);
  });
  Statement up = db_.prepare(
      "UPDATE runs SET status = ?2, error = ?3, kappa = ?4, train_pairs = ?5, "
      "sampled_pairs = ?6, steps_done = ?7, version = ?8, git_rev = ?9, host = ?10, ranks = ?11, "
      "mpi_library = ?12, finished_at = ?13, wall_seconds = ?14, potentials_note = ?15, kernels = ?16, "
      "particles = ?17" +
      final_set + " WHERE id = ?1");
  up.bind(1, run_id).bind(2, core::to_string(o.status));
  if (o.error.empty()) {
    up.bind(3, std::nullopt);
  } else {
    up.bind(3, o.error);
  }
  if (o.status == core::RunStatus::kFailed) {
    for (int i = 4; i <= 7; ++i) up.bind(i, std::nullopt);
  } else {
    up.bind(4, o.result.kappa)
        .bind(5, static_cast<std::int64_t>(o.train_pairs))
        .bind(6, static_cast<std::int64_t>(o.sampled_pairs))
        .bind(7, o.result.steps_done);
  }
  up.bind(8, p.version)
      .bind(9, p.git_rev)
      .bind(10, p.host)
      .bind(11, p.ranks)
      .bind(12, p.mpi_library)
      .bind(13, now)
      .bind(14, o.result.wall_seconds);
  if (o.potentials_note.empty()) {
    up.bind(15, std::nullopt);
  } else {
    up.bind(15, o.potentials_note);
  }
  if (o.kernels.empty()) {
    up.bind(16, std::nullopt);
  } else {
    up.bind(16, o.kernels);
  }
  if (particles_file.empty()) {
    up.bind(17, std::nullopt);
  } else {
    up.bind(17, particles_file);
  }
  const bool final_values = has_log && o.status == core::RunStatus::kDone;
  next = 20;
  core::visit_step_scalars(last, [&](core::FieldName f, const auto& value) {
    if (f.run_column == nullptr) return;
    if (final_values) {
      up.bind(next++, value);
    } else {
      up.bind(next++, std::nullopt);
    }
  });
  up.run();

  db_.prepare("DELETE FROM metrics WHERE run_id = ?1").bind(1, run_id).run();
  db_.prepare("DELETE FROM potentials WHERE run_id = ?1").bind(1, run_id).run();
  std::string met_columns, met_values;
  int n_met = 1;
  core::visit_step_scalars(last, [&](core::FieldName f, const auto&) {
    met_columns += fmt::format(", {}", f.name);
    met_values += fmt::format(", ?{}", ++n_met);
  });
  Statement met = db_.prepare(fmt::format("INSERT INTO metrics (run_id{}) VALUES (?1{})",
                                          met_columns, met_values));
  Statement pot = db_.prepare(
      "INSERT INTO potentials (run_id, step, k, dim, indicator, re, im, gap) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
  for (const core::StepMetrics& m : o.result.log) {
    met.bind(1, run_id);
    int col = 1;
    core::visit_step_scalars(m, [&](core::FieldName, const auto& value) { met.bind(++col, value); });
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
         "INSERT INTO attempts (run_id, attempt, started_at, stopped_at, outcome, reason, job_id) "
         "SELECT id, attempts, started_at, ?2, status, error, job_id FROM runs WHERE id = ?1")
      .bind(1, run_id)
      .bind(2, now)
      .run();
  db_.prepare("UPDATE runs SET job_id = NULL WHERE id = ?1").bind(1, run_id).run();
  // Fault injection for the reliability tests: hold the write transaction open so that a kill
  // lands inside it.
  if (const char* ms = std::getenv("SYMSWEEP_FAULT_SLOW_WRITE_MS")) {
    std::this_thread::sleep_for(std::chrono::milliseconds(std::atoi(ms)));
  }
  tx.commit();
  return true;
}

}  // namespace symsweep::sweeps
