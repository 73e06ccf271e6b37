#include "store/fit_results.hpp"

#include <fmt/core.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <functional>
#include <limits>
#include <map>
#include <set>
#include <utility>

namespace symsweep::sweeps {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::optional<std::string> opt_text(const Statement& s, int col) {
  return s.is_null(col) ? std::nullopt : std::optional<std::string>(s.text(col));
}

std::optional<std::int64_t> opt_integer(const Statement& s, int col) {
  return s.is_null(col) ? std::nullopt : std::optional<std::int64_t>(s.integer(col));
}

/// The finished runs of a sweep: the FROM and WHERE of fit's reads (?1: the sweep's name).
constexpr const char* kFinishedRunsOfSweep =
    " FROM runs JOIN sweep_runs ON sweep_runs.run_id = runs.id JOIN sweeps ON sweeps.id = "
    "sweep_runs.sweep_id WHERE sweeps.name = ?1 AND runs.status = 'done'";

}  // namespace

std::vector<std::string> sweep_names(Database& db) {
  std::vector<std::string> names;
  Statement s = db.prepare("SELECT name FROM sweeps ORDER BY id");
  while (s.step()) names.push_back(s.text(0));
  return names;
}

std::vector<RunWithTestSet> runs_with_test_set(Database& db, const std::string& sweep) {
  Statement s = db.prepare(
      fmt::format("SELECT {}, runs.group_order, runs.augment_order, runs.data_fraction, runs.seed, "
                  "runs.test_acc{} AND runs.test_acc IS NOT NULL ORDER BY runs.id",
                  cell_settings_columns(), kFinishedRunsOfSweep));
  s.bind(1, sweep);
  const int c = cell_settings_column_count();
  std::vector<RunWithTestSet> rows;
  while (s.step()) {
    RunWithTestSet r;
    r.key = cell_key(read_cell_settings(s, 0));
    r.group_order = static_cast<int>(s.integer(c));
    r.augment_order = static_cast<int>(s.integer(c + 1));
    r.fraction = s.real(c + 2);
    r.seed = s.integer(c + 3);
    r.test_acc = s.real(c + 4);
    rows.push_back(std::move(r));
  }
  return rows;
}

std::vector<RunPairCounts> run_pair_counts(Database& db, const std::string& sweep) {
  Statement s = db.prepare(fmt::format(
      "SELECT {}, runs.data_fraction, runs.train_pairs, runs.sampled_pairs{} AND "
      "runs.train_pairs IS NOT NULL AND runs.sampled_pairs > 0 ORDER BY runs.id",
      cell_settings_columns(), kFinishedRunsOfSweep));
  s.bind(1, sweep);
  const int c = cell_settings_column_count();
  std::vector<RunPairCounts> rows;
  while (s.step()) {
    rows.push_back({cell_key(read_cell_settings(s, 0)).cell, s.real(c), s.integer(c + 1),
                    s.integer(c + 2)});
  }
  return rows;
}

std::vector<RunWithPotentials> runs_with_potentials(Database& db, const std::string& sweep) {
  Statement s = db.prepare(fmt::format(
      "SELECT runs.id, runs.lr{} AND EXISTS (SELECT 1 FROM potentials WHERE potentials.run_id = "
      "runs.id AND potentials.re IS NOT NULL) ORDER BY runs.id",
      kFinishedRunsOfSweep));
  s.bind(1, sweep);
  std::vector<RunWithPotentials> rows;
  while (s.step()) rows.push_back({s.integer(0), s.real(1)});
  return rows;
}

RunPotentials read_potentials(Database& db, std::int64_t run_id) {
  Statement p = db.prepare(
      "SELECT step, k, re, dim, indicator FROM potentials WHERE run_id = ?1 AND re IS NOT NULL "
      "ORDER BY step, k");
  p.bind(1, run_id);
  std::map<std::pair<std::int64_t, int>, double> re;
  std::set<std::int64_t> steps;
  std::map<int, int> dim_of;
  RunPotentials out;
  while (p.step()) {
    const std::int64_t step = p.integer(0);
    const int k = static_cast<int>(p.integer(1));
    steps.insert(step);
    re[{step, k}] = p.real(2);
    dim_of[k] = static_cast<int>(p.integer(3));
    out.irreps |= !p.is_null(4);
  }
  out.steps.assign(steps.begin(), steps.end());
  for (const auto& [k, dim] : dim_of) {
    out.ks.push_back(k);
    out.dims.push_back(dim);
  }
  out.re = Eigen::MatrixXd::Constant(static_cast<Eigen::Index>(out.steps.size()),
                                     static_cast<Eigen::Index>(out.ks.size()), kNaN);
  for (std::size_t i = 0; i < out.steps.size(); ++i) {
    for (std::size_t j = 0; j < out.ks.size(); ++j) {
      const auto it = re.find({out.steps[i], out.ks[j]});
      if (it != re.end()) {
        out.re(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = it->second;
      }
    }
  }
  return out;
}

std::string eps_key(std::vector<double> eps) {
  std::sort(eps.begin(), eps.end(), std::greater<>());
  eps.erase(std::unique(eps.begin(), eps.end()), eps.end());
  return fmt::format("{}", fmt::join(eps, ","));
}

FitResultsWriter::FitResultsWriter(Database& db)
    : tx_(db),
      put_critical_(db.prepare(
          "INSERT INTO critical_fractions (sweep, cell, group_spec, group_order, augment, "
          "augment_order, width, eps, estimate, low, high, censoring, reason, runs, seeds, "
          "created, count_basis, count_ratio, n_star, n_star_low, n_star_high, method, "
          "bootstrap, seed) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, "
          "?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24)")),
      delete_critical_(db.prepare(
          "DELETE FROM critical_fractions WHERE sweep = ?1 AND cell = ?2 AND eps = ?3 AND "
          "count_basis = ?4")),
      put_fit_(db.prepare(
          "INSERT INTO fits (sweep, law, parameter, estimate, low, high, r2, cells, created, "
          "stratum, model, preferred, fstar_share, warnings, eps, count_basis, method, "
          "bootstrap, seed) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, "
          "?15, ?16, ?17, ?18, ?19)")),
      delete_fits_(db.prepare(
          "DELETE FROM fits WHERE sweep = ?1 AND stratum IS ?2 AND eps IS ?3 AND count_basis = "
          "?4")),
      delete_theorem2_(db.prepare("DELETE FROM theorem2_fits WHERE run_id = ?1")),
      put_theorem2_(db.prepare(
          "INSERT INTO theorem2_fits (run_id, k, dim, fitted, reason, c, r2, rmse, points, "
          "created) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)")) {}

void FitResultsWriter::replace(const CriticalFractionRow& r) {
  delete_critical_.bind(1, r.sweep).bind(2, r.cell).bind(3, r.eps).bind(4, r.settings.count_basis);
  delete_critical_.run();
  put_critical_.bind(1, r.sweep)
      .bind(2, r.cell)
      .bind(3, r.group_spec)
      .bind(4, r.group_order)
      .bind(5, r.augment)
      .bind(6, r.augment_order)
      .bind(7, r.width)
      .bind(8, r.eps)
      .bind(9, r.estimate)
      .bind(10, r.low)
      .bind(11, r.high)
      .bind(12, r.censoring)
      .bind(13, r.reason)
      .bind(14, r.runs)
      .bind(15, r.seeds)
      .bind(16, r.created)
      .bind(17, r.settings.count_basis)
      .bind(18, r.count_ratio)
      .bind(19, r.n_star)
      .bind(20, r.n_star_low)
      .bind(21, r.n_star_high)
      .bind(22, r.settings.method)
      .bind(23, r.settings.bootstrap)
      .bind(24, r.settings.seed);
  put_critical_.run();
}

void FitResultsWriter::clear_fits(const std::string& sweep, const std::string& stratum,
                                  const std::string& eps, const std::string& count_basis) {
  delete_fits_.bind(1, sweep).bind(2, stratum).bind(3, eps).bind(4, count_basis);
  delete_fits_.run();
}

void FitResultsWriter::add(const FitParameterRow& r) {
  put_fit_.bind(1, r.sweep)
      .bind(2, r.law)
      .bind(3, r.parameter)
      .bind(4, r.estimate)
      .bind(5, r.low)
      .bind(6, r.high)
      .bind(7, r.r2)
      .bind(8, r.cells)
      .bind(9, r.created)
      .bind(10, r.stratum)
      .bind(11, r.model);
  if (r.preferred) {
    put_fit_.bind(12, *r.preferred ? 1 : 0);
  } else {
    put_fit_.bind(12, std::nullopt);
  }
  put_fit_.bind(13, r.fstar_share)
      .bind(14, r.warnings)
      .bind(15, r.eps)
      .bind(16, r.settings.count_basis)
      .bind(17, r.settings.method)
      .bind(18, r.settings.bootstrap)
      .bind(19, r.settings.seed);
  put_fit_.run();
}

void FitResultsWriter::replace_theorem2(std::int64_t run_id, const std::vector<Theorem2Row>& rows) {
  delete_theorem2_.bind(1, run_id);
  delete_theorem2_.run();
  for (const Theorem2Row& r : rows) {
    const core::Theorem2Fit& f = r.fit;
    put_theorem2_.bind(1, run_id)
        .bind(2, f.k)
        .bind(3, r.dim)
        .bind(4, f.fitted ? 1 : 0)
        .bind(5, f.reason.empty() ? std::nullopt : std::optional<std::string>(f.reason))
        .bind(6, f.c)
        .bind(7, f.r2)
        .bind(8, f.rmse)
        .bind(9, f.points)
        .bind(10, r.created);
    put_theorem2_.run();
  }
}

void FitResultsWriter::commit() { tx_.commit(); }

bool has_fit_tables(Database& db) {
  return has_table(db, "critical_fractions") && has_table(db, "fits");
}

bool has_theorem2_table(Database& db) { return has_table(db, "theorem2_fits"); }

std::vector<CriticalFractionRow> read_critical_fractions(Database& db, const std::string& sweep) {
  // The settings and N* exist from schema 8 on (report reads older files unmigrated).
  const bool v8 = has_column(db, "critical_fractions", "count_basis");
  Statement s = db.prepare(fmt::format(
      "SELECT sweep, cell, group_spec, group_order, augment, augment_order, width, eps, "
      "estimate, low, high, censoring, reason, runs, seeds, created, {} FROM critical_fractions "
      "WHERE sweep = ?1{} ORDER BY rowid",
      v8 ? "count_basis, count_ratio, n_star, n_star_low, n_star_high, method, bootstrap, seed"
         : "'sampled', NULL, NULL, NULL, NULL, NULL, NULL, NULL",
      v8 ? " AND count_basis = 'sampled'" : ""));
  s.bind(1, sweep);
  std::vector<CriticalFractionRow> rows;
  while (s.step()) {
    CriticalFractionRow r;
    r.sweep = s.text(0);
    r.cell = s.text(1);
    r.group_spec = s.text(2);
    r.group_order = static_cast<int>(s.integer(3));
    r.augment = s.text(4);
    r.augment_order = static_cast<int>(s.integer(5));
    r.width = s.integer(6);
    r.eps = s.real(7);
    r.estimate = s.opt_real(8);
    r.low = s.opt_real(9);
    r.high = s.opt_real(10);
    r.censoring = s.text(11);
    r.reason = opt_text(s, 12);
    r.runs = s.integer(13);
    r.seeds = s.integer(14);
    r.created = s.text(15);
    r.settings.count_basis = s.text(16);
    r.count_ratio = s.opt_real(17);
    r.n_star = s.opt_real(18);
    r.n_star_low = s.opt_real(19);
    r.n_star_high = s.opt_real(20);
    r.settings.method = opt_text(s, 21);
    r.settings.bootstrap = opt_integer(s, 22);
    r.settings.seed = opt_integer(s, 23);
    if (!v8 && r.estimate) {  // before schema 8 N* was always f* n^2
      const double n2 = static_cast<double>(r.group_order) * r.group_order;
      r.count_ratio = 1.0;
      r.n_star = *r.estimate * n2;
      if (r.low) r.n_star_low = *r.low * n2;
      if (r.high) r.n_star_high = *r.high * n2;
    }
    rows.push_back(std::move(r));
  }
  return rows;
}

std::vector<FitParameterRow> read_fits(Database& db, const std::string& sweep) {
  // fstar_share and warnings exist from schema 7 on (report reads older files unmigrated).
  const bool v7 = has_column(db, "fits", "warnings");
  // The settings exist from schema 8 on; from then on a stratum and model may hold fits over
  // several sets of eps (and both count bases): only the newest sampled one is read.
  const bool v8 = has_column(db, "fits", "count_basis");
  Statement s = db.prepare(fmt::format(
      "SELECT sweep, law, parameter, stratum, model, estimate, low, high, r2, cells, preferred, "
      "created, {}, {} FROM fits f WHERE sweep = ?1{} ORDER BY id",
      v7 ? "fstar_share, warnings" : "NULL, NULL",
      v8 ? "eps, count_basis, method, bootstrap, seed" : "NULL, 'sampled', NULL, NULL, NULL",
      v8 ? " AND count_basis = 'sampled' AND NOT EXISTS (SELECT 1 FROM fits g WHERE g.sweep = "
           "f.sweep AND g.stratum IS f.stratum AND g.model IS f.model AND g.count_basis = "
           "f.count_basis AND g.eps IS NOT f.eps AND g.id > f.id)"
         : ""));
  s.bind(1, sweep);
  std::vector<FitParameterRow> rows;
  while (s.step()) {
    FitParameterRow r;
    r.sweep = s.text(0);
    r.law = s.text(1);
    r.parameter = s.text(2);
    r.stratum = opt_text(s, 3);
    r.model = opt_text(s, 4);
    r.estimate = s.opt_real(5);
    r.low = s.opt_real(6);
    r.high = s.opt_real(7);
    r.r2 = s.opt_real(8);
    r.cells = opt_integer(s, 9);
    if (!s.is_null(10)) r.preferred = s.integer(10) != 0;
    r.created = s.text(11);
    r.fstar_share = s.opt_real(12);
    r.warnings = opt_text(s, 13);
    r.eps = opt_text(s, 14);
    r.settings.count_basis = s.text(15);
    r.settings.method = opt_text(s, 16);
    r.settings.bootstrap = opt_integer(s, 17);
    r.settings.seed = opt_integer(s, 18);
    rows.push_back(std::move(r));
  }
  return rows;
}

std::vector<Theorem2Row> read_theorem2_fits(Database& db, std::int64_t run_id) {
  Statement s = db.prepare(
      "SELECT run_id, k, dim, fitted, reason, c, r2, rmse, points, created FROM theorem2_fits "
      "WHERE run_id = ?1 ORDER BY k");
  s.bind(1, run_id);
  std::vector<Theorem2Row> rows;
  while (s.step()) {
    Theorem2Row r;
    r.run_id = s.integer(0);
    r.fit.k = static_cast<int>(s.integer(1));
    r.dim = static_cast<int>(s.integer(2));
    r.fit.fitted = s.integer(3) != 0;
    r.fit.reason = s.text(4);
    r.fit.c = s.opt_real(5).value_or(kNaN);
    r.fit.r2 = s.opt_real(6).value_or(kNaN);
    r.fit.rmse = s.opt_real(7).value_or(kNaN);
    r.fit.points = static_cast<int>(s.integer(8));
    r.created = s.text(9);
    rows.push_back(std::move(r));
  }
  return rows;
}

}  // namespace symsweep::sweeps
