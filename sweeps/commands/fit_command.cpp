#include "commands/fit_command.hpp"

#include <fmt/core.h>

#include <cmath>
#include <map>

#include "symsweep/core/error.hpp"
#include "symsweep/core/scaling.hpp"
#include "store/open_database.hpp"
#include "commands/query_commands.hpp"
#include "store/store.hpp"

namespace symsweep::sweeps {

namespace {

/// One finished run as the fit sees it.
struct RunRow {
  std::string group_spec, augment, cell, stratum;
  int group_order = 0, augment_order = 1;
  std::int64_t width = 0, seed = 0;
  double fraction = 0.0, test_acc = 0.0;
};

/// A cell: every config value but fraction and seed.
struct Cell {
  std::int64_t id = 0;
  RunRow first;  ///< describes the cell (group, augment, width, stratum)
  core::CellData data;
};

std::uint64_t seed_of(const std::string& key) {
  return std::stoull(content_hash(key).substr(0, 16), nullptr, 16);
}

std::vector<std::string> sweep_names(Database& db, const std::string& only) {
  std::vector<std::string> names;
  Statement s = db.prepare("SELECT name FROM sweeps ORDER BY id");
  while (s.step()) names.push_back(s.text(0));
  if (only.empty()) return names;
  if (std::find(names.begin(), names.end(), only) == names.end()) {
    throw InputError(fmt::format("--sweep {}: no such sweep in {}", only, db.path()));
  }
  return {only};
}

std::vector<RunRow> finished_runs(Database& db, const std::string& sweep) {
  // Runs with f = 1 have no test set (test_acc is NULL) and carry no information on f*.
  Statement s = db.prepare(
      "SELECT group_spec, group_order, augment, augment_order, width, optimizer, lr, "
      "weight_decay, init_scale, steps, precision, data_fraction, seed, test_acc FROM runs "
      "JOIN sweep_runs ON sweep_runs.run_id = runs.id JOIN sweeps ON sweeps.id = "
      "sweep_runs.sweep_id WHERE sweeps.name = ?1 AND runs.status = 'done' AND test_acc IS NOT "
      "NULL ORDER BY runs.id");
  s.bind(1, sweep);
  std::vector<RunRow> rows;
  while (s.step()) {
    RunRow r;
    r.group_spec = s.text(0);
    r.group_order = static_cast<int>(s.integer(1));
    r.augment = s.text(2);
    r.augment_order = static_cast<int>(s.integer(3));
    r.width = s.integer(4);
    const std::string family = r.group_spec.substr(0, r.group_spec.find(':'));
    // Everything that is neither the group, the augmentation, the fraction nor the seed.
    r.stratum = fmt::format("{} width={} {} lr={} wd={} s={} steps={} {}", family, r.width,
                            s.text(5), s.real(6), s.real(7), s.real(8), s.integer(9), s.text(10));
    r.cell = fmt::format("{} {} | {}", r.group_spec, r.augment, r.stratum);
    r.fraction = s.real(11);
    r.seed = s.integer(12);
    r.test_acc = s.real(13);
    rows.push_back(std::move(r));
  }
  return rows;
}

const char* censoring_name(core::Censoring c) {
  switch (c) {
    case core::Censoring::kLeft:
      return "left";
    case core::Censoring::kRight:
      return "right";
    default:
      return "none";
  }
}

SqlValue value_or_null(double v) { return std::isfinite(v) ? SqlValue(v) : SqlValue(); }

}  // namespace

int run_fit(const FitOptions& o) {
  for (double e : o.eps) {
    if (!(e > 0.0 && e < 1.0)) throw InputError(fmt::format("--eps {}: expected values in (0, 1)", e));
  }
  if (o.bootstrap < 0) throw InputError("--bootstrap: expected >= 0");
  const OutputFormat format = parse_output_format(
      "fit", "--format", o.format, {OutputFormat::kTable, OutputFormat::kCsv, OutputFormat::kJson});
  // An existing results database only (never a new empty one), then read-write: migrated.
  require_existing_results(o.db, "fit", "--db");
  ResultsStore store(o.db, Database::Mode::kReadWrite);
  const std::string now = utc_now();
  auto cells_out = make_row_writer(format, stdout);
  auto laws_out = make_row_writer(format, stdout);

  for (const std::string& sweep : sweep_names(store.db(), o.sweep)) {
    const std::vector<RunRow> runs = finished_runs(store.db(), sweep);
    std::map<std::string, Cell> cells;
    for (const RunRow& r : runs) {
      auto [it, added] = cells.try_emplace(r.cell);
      if (added) {
        it->second.id = static_cast<std::int64_t>(cells.size());
        it->second.first = r;
      }
      it->second.data.fraction.push_back(r.fraction);
      it->second.data.test_acc.push_back(r.test_acc);
      it->second.data.seed.push_back(r.seed);
    }
    if (cells.empty()) {
      fmt::print(stderr, "sweep \"{}\": no finished runs with a test set: nothing to fit\n", sweep);
      continue;
    }

    Transaction tx(store.db());
    store.db().prepare("DELETE FROM critical_fractions WHERE sweep = ?1").bind(1, sweep).run();
    store.db().prepare("DELETE FROM fits WHERE sweep = ?1").bind(1, sweep).run();
    Statement put_cell = store.db().prepare(
        "INSERT INTO critical_fractions (sweep, cell, group_spec, group_order, augment, "
        "augment_order, width, eps, estimate, low, high, censoring, reason, runs, seeds, created) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)");
    Statement put_fit = store.db().prepare(
        "INSERT INTO fits (sweep, law, parameter, estimate, low, high, r2, cells, created, "
        "stratum, model, preferred) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)");

    cells_out->begin({"sweep", "group", "n", "augment", "H", "width", "eps", "f_star", "low",
                      "high", "N_star", "censoring", "seeds"});
    std::map<std::string, std::vector<core::CellCritical>> strata;
    for (const auto& [key, cell] : cells) {
      for (double eps : o.eps) {
        const core::CriticalFraction f =
            core::critical_fraction(cell.data, eps, o.bootstrap, seed_of(key + fmt::format("{}", eps)));
        const RunRow& c = cell.first;
        put_cell.bind(1, sweep)
            .bind(2, key)
            .bind(3, c.group_spec)
            .bind(4, c.group_order)
            .bind(5, c.augment)
            .bind(6, c.augment_order)
            .bind(7, c.width)
            .bind(8, eps)
            .bind(9, f.estimate)
            .bind(10, f.low)
            .bind(11, f.high)
            .bind(12, censoring_name(f.censoring))
            .bind(13, f.reason)
            .bind(14, f.runs)
            .bind(15, f.seeds)
            .bind(16, now);
        put_cell.run();
        const double n2 = static_cast<double>(c.group_order) * c.group_order;
        cells_out->row({sweep, c.group_spec, std::int64_t{c.group_order}, c.augment,
                        std::int64_t{c.augment_order}, c.width, eps, value_or_null(f.estimate),
                        value_or_null(f.low), value_or_null(f.high),
                        value_or_null(f.estimate * n2), censoring_name(f.censoring),
                        std::int64_t{f.seeds}});
        strata[c.stratum].push_back(core::CellCritical{cell.id, c.group_order, c.augment_order, f});
      }
    }
    cells_out->end();

    laws_out->begin({"sweep", "stratum", "law", "parameter", "estimate", "low", "high", "r2",
                     "cells", "censored", "preferred"});
    for (const auto& [stratum, rows] : strata) {
      const core::ScalingFit fit = core::fit_scaling_laws(rows, o.bootstrap, seed_of(stratum));
      for (const core::LawFit* law : {&fit.power, &fit.n_log_n}) {
        const std::string model = law->model == core::LawModel::kPower ? "power" : "n_log_n";
        const bool preferred = fit.preferred == model;
        if (!law->fitted) {
          fmt::print(stderr, "sweep \"{}\" [{}]: {} not fitted: {}\n", sweep, stratum, law->law,
                     law->reason);
          continue;
        }
        for (const core::LawParameter& prm : law->parameters) {
          put_fit.bind(1, sweep)
              .bind(2, law->law)
              .bind(3, prm.name)
              .bind(4, prm.estimate)
              .bind(5, prm.low)
              .bind(6, prm.high)
              .bind(7, law->r2)
              .bind(8, law->cells)
              .bind(9, now)
              .bind(10, stratum)
              .bind(11, model)
              .bind(12, preferred ? 1 : 0);
          put_fit.run();
          laws_out->row({sweep, stratum, law->law, prm.name, prm.estimate, value_or_null(prm.low),
                         value_or_null(prm.high), law->r2, std::int64_t{law->cells},
                         std::int64_t{law->censored_left + law->censored_right},
                         preferred ? "yes" : ""});
        }
      }
    }
    laws_out->end();
    tx.commit();
  }
  return 0;
}

}  // namespace symsweep::sweeps
