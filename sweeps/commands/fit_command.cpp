#include "commands/fit_command.hpp"

#include <fmt/core.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <utility>

#include "symsweep/core/error.hpp"
#include "symsweep/core/scaling.hpp"
#include "symsweep/core/theorem2.hpp"
#include "commands/query_commands.hpp"
#include "spec/run_identity.hpp"
#include "store/cell_key.hpp"
#include "store/fit_results.hpp"
#include "store/open_database.hpp"
#include "store/store.hpp"

namespace symsweep::sweeps {

namespace {

/// A cell: every config value but fraction and seed.
struct Cell {
  std::int64_t id = 0;
  RunWithTestSet first;  ///< describes the cell (group, augment, width, stratum)
  core::CellData data;
};

std::uint64_t seed_of(const std::string& key) {
  return std::stoull(content_hash(key).substr(0, 16), nullptr, 16);
}

std::vector<std::string> sweeps_to_fit(Database& db, const std::string& only) {
  std::vector<std::string> names = sweep_names(db);
  if (only.empty()) return names;
  if (std::find(names.begin(), names.end(), only) == names.end()) {
    throw InputError(fmt::format("--sweep {}: no such sweep in {}", only, db.path()));
  }
  return {only};
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
std::optional<double> finite_or_none(double v) {
  return std::isfinite(v) ? std::optional<double>(v) : std::nullopt;
}

/// Theorem 2 (docs/potentials.md) for one run: 1 - exp(-C t) fitted to each logged potential
/// against t = lr * step.
std::vector<Theorem2Row> theorem2_rows(Database& db, const RunWithPotentials& run,
                                       const std::string& now) {
  const RunPotentials p = read_potentials(db, run.id);
  std::vector<double> t;
  t.reserve(p.steps.size());
  for (std::int64_t s : p.steps) t.push_back(run.lr * static_cast<double>(s));
  const core::Theorem2Summary fit = core::fit_theorem2(t, p.ks, p.re);
  std::vector<Theorem2Row> rows;
  for (std::size_t j = 0; j < fit.per_k.size(); ++j) {
    rows.push_back({run.id, p.dims[j], fit.per_k[j], now});
  }
  return rows;
}

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
  std::size_t theorem2_runs = 0, theorem2_fits = 0;

  for (const std::string& sweep : sweeps_to_fit(store.db(), o.sweep)) {
    std::map<std::string, Cell> cells;
    for (RunWithTestSet& r : runs_with_test_set(store.db(), sweep)) {
      auto [it, added] = cells.try_emplace(r.key.cell);
      it->second.data.fraction.push_back(r.fraction);
      it->second.data.test_acc.push_back(r.test_acc);
      it->second.data.seed.push_back(r.seed);
      if (added) {
        it->second.id = static_cast<std::int64_t>(cells.size());
        it->second.first = std::move(r);
      }
    }
    // Every finished run with potentials gets its Theorem 2 fits, with or without a test set.
    std::vector<std::pair<std::int64_t, std::vector<Theorem2Row>>> theorem2;
    for (const RunWithPotentials& r : runs_with_potentials(store.db(), sweep)) {
      theorem2.emplace_back(r.id, theorem2_rows(store.db(), r, now));
    }
    if (cells.empty()) {
      fmt::print(stderr, "sweep \"{}\": no finished runs with a test set: {}\n", sweep,
                 theorem2.empty() ? "nothing to fit" : "no critical fractions to fit");
      if (theorem2.empty()) continue;
    }

    FitResultsWriter out(store.db());
    if (!cells.empty()) {
      out.clear_sweep(sweep);
      cells_out->begin({"sweep", "group", "n", "augment", "H", "width", "eps", "f_star", "low",
                        "high", "N_star", "censoring", "seeds"});
    }
    std::map<std::string, std::vector<core::CellCritical>> strata;
    for (const auto& [key, cell] : cells) {
      for (double eps : o.eps) {
        const core::CriticalFraction f = core::critical_fraction(
            cell.data, eps, o.bootstrap, seed_of(key + fmt::format("{}", eps)));
        const RunWithTestSet& c = cell.first;
        CriticalFractionRow row;
        row.sweep = sweep;
        row.cell = key;
        row.group_spec = c.key.settings.group_spec;
        row.group_order = c.group_order;
        row.augment = c.key.settings.augment;
        row.augment_order = c.augment_order;
        row.width = c.key.settings.width;
        row.eps = eps;
        row.estimate = finite_or_none(f.estimate);
        row.low = finite_or_none(f.low);
        row.high = finite_or_none(f.high);
        row.censoring = censoring_name(f.censoring);
        row.reason = f.reason;
        row.runs = f.runs;
        row.seeds = f.seeds;
        row.created = now;
        out.add(row);
        const double n2 = static_cast<double>(c.group_order) * c.group_order;
        cells_out->row({sweep, c.key.settings.group_spec, std::int64_t{c.group_order},
                        c.key.settings.augment, std::int64_t{c.augment_order},
                        c.key.settings.width, eps, value_or_null(f.estimate),
                        value_or_null(f.low), value_or_null(f.high),
                        value_or_null(f.estimate * n2), censoring_name(f.censoring),
                        std::int64_t{f.seeds}});
        strata[c.key.stratum].push_back(
            core::CellCritical{cell.id, c.group_order, c.augment_order, f});
      }
    }
    if (!cells.empty()) {
      cells_out->end();
      laws_out->begin({"sweep", "stratum", "law", "parameter", "estimate", "low", "high", "r2",
                       "cells", "censored", "preferred", "fstar_share", "warnings"});
    }
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
        const std::string warnings = fmt::format("{}", fmt::join(law->warnings, "; "));
        if (law->weak()) {
          fmt::print(stderr, "sweep \"{}\" [{}]: {} is weak: {}\n", sweep, stratum, law->law,
                     warnings);
        }
        for (const core::LawParameter& prm : law->parameters) {
          FitParameterRow row;
          row.sweep = sweep;
          row.law = law->law;
          row.parameter = prm.name;
          row.estimate = finite_or_none(prm.estimate);
          row.low = finite_or_none(prm.low);
          row.high = finite_or_none(prm.high);
          row.r2 = finite_or_none(law->r2);
          row.cells = law->cells;
          row.created = now;
          row.stratum = stratum;
          row.model = model;
          row.preferred = preferred;
          row.fstar_share = finite_or_none(prm.fstar_share);
          if (law->weak()) row.warnings = warnings;
          out.add(row);
          laws_out->row({sweep, stratum, law->law, prm.name, prm.estimate, value_or_null(prm.low),
                         value_or_null(prm.high), law->r2, std::int64_t{law->cells},
                         std::int64_t{law->censored_left + law->censored_right},
                         preferred ? "yes" : "", prm.fstar_share, warnings});
        }
      }
    }
    if (!cells.empty()) laws_out->end();
    for (const auto& [run_id, rows] : theorem2) {
      out.replace_theorem2(run_id, rows);
      ++theorem2_runs;
      theorem2_fits += rows.size();
    }
    out.commit();
  }
  if (theorem2_runs > 0) {
    fmt::print(stderr, "fit: Theorem 2 fits of {} runs stored ({} potentials)\n", theorem2_runs,
               theorem2_fits);
  }
  return 0;
}

}  // namespace symsweep::sweeps
