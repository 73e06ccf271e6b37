#include "store/report_data.hpp"

#include <fmt/core.h>

#include <utility>

namespace symsweep::sweeps {

namespace {

std::int64_t count(Statement s) {
  s.step();
  return s.integer(0);
}

}  // namespace

std::int64_t count_runs(Database& db) { return count(db.prepare("SELECT count(*) FROM runs")); }

std::vector<std::string> sweeps_with_runs(Database& db) {
  Statement s = db.prepare(
      "SELECT name FROM sweeps WHERE EXISTS (SELECT 1 FROM sweep_runs WHERE sweep_id = "
      "sweeps.id) ORDER BY id");
  std::vector<std::string> names;
  while (s.step()) names.push_back(s.text(0));
  return names;
}

bool sweep_exists(Database& db, const std::string& name) {
  Statement s = db.prepare("SELECT count(*) FROM sweeps WHERE name = ?1");
  s.bind(1, name);
  return count(std::move(s)) > 0;
}

std::int64_t count_finished_runs(Database& db, const std::vector<std::string>& sweeps) {
  std::string in;
  for (std::size_t i = 0; i < sweeps.size(); ++i) {
    in += (i > 0 ? ", ?" : "?") + std::to_string(i + 1);
  }
  Statement s = db.prepare(
      "SELECT count(*) FROM runs JOIN sweep_runs ON sweep_runs.run_id = runs.id JOIN sweeps ON "
      "sweeps.id = sweep_runs.sweep_id WHERE runs.status = 'done' AND sweeps.name IN (" +
      (in.empty() ? std::string("NULL") : in) + ")");
  for (std::size_t i = 0; i < sweeps.size(); ++i) s.bind(static_cast<int>(i + 1), sweeps[i]);
  return count(std::move(s));
}

bool run_exists(Database& db, std::int64_t run_id) {
  Statement s = db.prepare("SELECT count(*) FROM runs WHERE id = ?1");
  s.bind(1, run_id);
  return count(std::move(s)) > 0;
}

std::vector<SweepRun> read_sweep_runs(Database& db, const std::string& sweep) {
  Statement s = db.prepare(fmt::format(
      "SELECT {}, runs.id, runs.status, runs.group_order, runs.abelian, runs.augment_order, "
      "runs.data_fraction, runs.test_acc FROM runs JOIN sweep_runs ON sweep_runs.run_id = "
      "runs.id JOIN sweeps ON sweeps.id = sweep_runs.sweep_id WHERE sweeps.name = ?1 ORDER BY "
      "runs.id",
      cell_settings_columns()));
  s.bind(1, sweep);
  const int c = cell_settings_column_count();
  std::vector<SweepRun> rows;
  while (s.step()) {
    SweepRun r;
    r.key = cell_key(read_cell_settings(s, 0));
    r.id = s.integer(c);
    r.status = s.text(c + 1);
    r.group_order = static_cast<int>(s.integer(c + 2));
    r.abelian = s.integer(c + 3) != 0;
    r.augment_order = static_cast<int>(s.integer(c + 4));
    r.fraction = s.real(c + 5);
    r.test_acc = s.opt_real(c + 6);
    rows.push_back(std::move(r));
  }
  return rows;
}

std::optional<RunInfo> read_run_info(Database& db, std::int64_t run_id) {
  Statement s = db.prepare(
      "SELECT group_spec, augment, data_fraction, width, seed, optimizer, lr, weight_decay, "
      "steps, status, test_acc, abelian, group_order FROM runs WHERE id = ?1");
  s.bind(1, run_id);
  if (!s.step()) return std::nullopt;
  RunInfo r;
  r.group_spec = s.text(0);
  r.augment = s.text(1);
  r.fraction = s.real(2);
  r.width = s.integer(3);
  r.seed = s.integer(4);
  r.optimizer = s.text(5);
  r.lr = s.real(6);
  r.weight_decay = s.real(7);
  r.steps = s.integer(8);
  r.status = s.text(9);
  r.test_acc = s.opt_real(10);
  r.abelian = s.integer(11) != 0;
  r.group_order = static_cast<int>(s.integer(12));
  return r;
}

std::vector<MetricsRow> read_metrics(Database& db, std::int64_t run_id) {
  // off_target_energy (irrep groups) exists from schema version 3 on.
  const bool with_energy = has_column(db, "metrics", "off_target_energy");
  // The Hessian's spectrum exists from schema version 14 on.
  const bool with_hessian = has_column(db, "metrics", "hessian_max");
  // Its estimates over the whole spectrum from version 15 on.
  const bool with_density = has_column(db, "metrics", "hessian_eff_dim");
  Statement s = db.prepare(fmt::format(
      "SELECT step, train_loss, test_loss, train_acc, test_acc, binary_gap, max_offtarget_mp, "
      "effective_dim, drift_q, drift_s, drift_c, {}, {}, {} "
      "FROM metrics WHERE run_id = ?1 ORDER BY step",
      with_energy ? "off_target_energy" : "NULL",
      with_hessian ? "hessian_negative, hessian_large, hessian_max, hessian_min"
                   : "NULL, NULL, NULL, NULL",
      with_density ? "hessian_negative_est, hessian_negative_se, hessian_large_est, "
                     "hessian_large_se, hessian_eff_dim"
                   : "NULL, NULL, NULL, NULL, NULL"));
  s.bind(1, run_id);
  std::vector<MetricsRow> rows;
  while (s.step()) {
    MetricsRow r;
    r.step = s.integer(0);
    r.train_loss = s.opt_real(1);
    r.test_loss = s.opt_real(2);
    r.train_acc = s.opt_real(3);
    r.test_acc = s.opt_real(4);
    r.binary_gap = s.opt_real(5);
    r.max_offtarget_mp = s.opt_real(6);
    r.effective_dim = s.opt_real(7);
    r.drift_q = s.opt_real(8);
    r.drift_s = s.opt_real(9);
    r.drift_c = s.opt_real(10);
    r.off_target_energy = s.opt_real(11);
    r.hessian_negative = s.opt_real(12);
    r.hessian_large = s.opt_real(13);
    r.hessian_max = s.opt_real(14);
    r.hessian_min = s.opt_real(15);
    r.hessian_negative_est = s.opt_real(16);
    r.hessian_negative_se = s.opt_real(17);
    r.hessian_large_est = s.opt_real(18);
    r.hessian_large_se = s.opt_real(19);
    r.hessian_eff_dim = s.opt_real(20);
    rows.push_back(r);
  }
  return rows;
}

}  // namespace symsweep::sweeps
