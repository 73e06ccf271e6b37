#include "commands/fit_command.hpp"

#include <fmt/core.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <utility>

#include "symsweep/core/error.hpp"
#include "symsweep/core/scaling.hpp"
#include "symsweep/core/theorem2.hpp"
#include "commands/output.hpp"
#include "commands/query_commands.hpp"
#include "spec/run_identity.hpp"
#include "store/cell_key.hpp"
#include "store/fit_results.hpp"
#include "store/open_database.hpp"
#include "store/store.hpp"

namespace symsweep::sweeps {

namespace {

/// The resampling stream of `key` under base seed `base` (base 0: the streams of before).
std::uint64_t seed_of(const std::string& key, std::int64_t base) {
  return std::stoull(content_hash(key).substr(0, 16), nullptr, 16) ^
         (static_cast<std::uint64_t>(base) * 0x9E3779B97F4A7C15ULL);
}

/// The estimators, as `method` in the stored rows (docs/scaling-laws.md).
constexpr const char* kFstarMethod = "isotonic+seed_bootstrap";
constexpr const char* kLawMethod = "ols_log+wild_cluster_bootstrap_t";

constexpr const char* kCriticalTable = "critical_fractions";
constexpr const char* kFitsTable = "fits";

/// A table of fit's output, held until the database has it.
struct OutTable {
  const char* name;
  std::vector<std::string> columns;
  std::vector<std::vector<SqlValue>> rows;
};

/// Per grid fraction of a cell (ascending), the mean over its runs of train_pairs /
/// sampled_pairs: how much augmentation grew the training set. Runs that did not record both
/// counts (or sampled none) are left out; empty when no run has them.
struct RatioCurve {
  std::vector<double> fractions, ratios;
};

/// N* per sampled pair of a critical fraction on a count basis: 1 for the sampled count;
/// for the augmented count the ratio curve interpolated in log f at f* and at the ends of its
/// interval (held at the grid's end values beyond it).
struct CountRatio {
  bool known = false;
  double at = 1.0, low = 1.0, high = 1.0;
};

/// A cell: every config value but fraction and seed.
struct Cell {
  std::int64_t id = 0;
  RunWithTestSet first;  ///< describes the cell (group, augment, width, stratum)
  core::CellData data;
  std::map<double, std::pair<double, int>> ratio_sum;  ///< fraction -> (sum, runs) of ratios
};

RatioCurve ratio_curve(const Cell& cell) {
  RatioCurve c;
  for (const auto& [f, sum] : cell.ratio_sum) {
    c.fractions.push_back(f);
    c.ratios.push_back(sum.first / sum.second);
  }
  return c;
}

CountRatio count_ratio(bool augmented, const RatioCurve& curve, const core::CriticalFraction& f) {
  CountRatio r;
  if (!augmented) {
    r.known = true;
    return r;
  }
  if (curve.fractions.empty() || !std::isfinite(f.estimate)) return r;
  const auto at = [&](double x) {
    return x > 0.0 && std::isfinite(x) ? core::interpolate_in_log_f(curve.fractions, curve.ratios, x)
                                       : (x > 0.0 ? curve.ratios.back() : curve.ratios.front());
  };
  r.known = true;
  r.at = at(f.estimate);
  r.low = at(f.low);
  r.high = at(f.high);
  return r;
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
  if (o.eps.empty()) throw InputError("--eps: expected at least one value");
  if (o.bootstrap < 0) throw InputError("--bootstrap: expected >= 0");
  if (o.seed < 0) throw InputError(fmt::format("--seed {}: expected >= 0", o.seed));
  if (o.count != "sampled" && o.count != "augmented") {
    throw InputError(fmt::format("fit: --count \"{}\": expected sampled or augmented", o.count));
  }
  const OutputFormat format = parse_output_format(
      "fit", "--format", o.format, {OutputFormat::kTable, OutputFormat::kCsv, OutputFormat::kJson});
  if (!o.table.empty() && o.table != kCriticalTable && o.table != kFitsTable) {
    throw InputError(
        fmt::format("fit: --table \"{}\": expected critical_fractions or fits", o.table));
  }
  if (!o.out_dir.empty()) {
    if (format != OutputFormat::kCsv) {
      throw InputError("fit: --out-dir writes CSV files: it needs --format csv");
    }
    std::error_code ec;
    if (std::filesystem::exists(o.out_dir, ec) && !std::filesystem::is_directory(o.out_dir, ec)) {
      throw InputError(fmt::format("fit: --out-dir \"{}\": not a directory", o.out_dir));
    }
  } else if (format == OutputFormat::kCsv && o.table.empty()) {
    throw InputError(
        "fit: --format csv prints one table: pass --table critical_fractions or --table fits, or "
        "--out-dir DIR for one file per table");
  }
  const bool augmented = o.count == "augmented";
  const std::string eps_text = eps_key(o.eps);
  FitSettings fstar_settings;
  fstar_settings.count_basis = o.count;
  fstar_settings.method = kFstarMethod;
  fstar_settings.bootstrap = o.bootstrap;
  fstar_settings.seed = o.seed;
  FitSettings law_settings = fstar_settings;
  law_settings.method = kLawMethod;

  // An existing results database only (never a new empty one), then read-write: migrated.
  require_existing_results(o.db, "fit", "--db");
  ResultsStore store(o.db, Database::Mode::kReadWrite);
  const std::string now = utc_now();
  OutTable critical_out{kCriticalTable,
                        {"sweep", "group", "n", "augment", "H", "width", "eps", "f_star", "low",
                         "high", "count", "ratio", "N_star", "N_star_low", "N_star_high",
                         "censoring", "seeds", "bootstrap", "seed", "method", "created",
                         "stratum"},
                        {}};
  OutTable fits_out{kFitsTable,
                    {"sweep", "stratum", "law", "parameter", "estimate", "low", "high", "r2",
                     "cells", "censored", "preferred", "fstar_share", "warnings", "count", "eps",
                     "bootstrap", "seed", "method", "created"},
                    {}};

  // Everything is computed first, from reads; then one transaction writes it all.
  struct SweepResults {
    std::string sweep;
    std::vector<CriticalFractionRow> critical;
    std::vector<std::string> strata;  ///< every stratum recomputed (its old fits go)
    std::vector<FitParameterRow> fits;
    std::vector<std::pair<std::int64_t, std::vector<Theorem2Row>>> theorem2;
  };
  std::vector<SweepResults> results;
  std::size_t theorem2_runs = 0, theorem2_fits = 0;

  for (const std::string& sweep : sweeps_to_fit(store.db(), o.sweep)) {
    SweepResults& res = results.emplace_back();
    res.sweep = sweep;
    std::map<std::string, Cell> cells;
    for (RunWithTestSet& r : runs_with_test_set(store.db(), sweep)) {
      auto [it, added] = cells.try_emplace(r.key.cell);
      Cell& cell = it->second;
      cell.data.fraction.push_back(r.fraction);
      cell.data.test_acc.push_back(r.test_acc);
      cell.data.seed.push_back(r.seed);
      if (added) {
        cell.id = static_cast<std::int64_t>(cells.size());
        cell.first = std::move(r);
      }
    }
    // The growth of the training sets, from every finished run (also those without a test
    // set: at f near 1 augmentation may leave none).
    if (augmented) {
      for (const RunPairCounts& r : run_pair_counts(store.db(), sweep)) {
        const auto it = cells.find(r.cell);
        if (it == cells.end()) continue;
        auto& [sum, count] = it->second.ratio_sum[r.fraction];
        sum += static_cast<double>(r.train_pairs) / static_cast<double>(r.sampled_pairs);
        ++count;
      }
    }
    // Every finished run with potentials gets its Theorem 2 fits, with or without a test set.
    for (const RunWithPotentials& r : runs_with_potentials(store.db(), sweep)) {
      res.theorem2.emplace_back(r.id, theorem2_rows(store.db(), r, now));
    }
    if (cells.empty()) {
      fmt::print(stderr, "sweep \"{}\": no finished runs with a test set: {}\n", sweep,
                 res.theorem2.empty() ? "nothing to fit" : "no critical fractions to fit");
      continue;
    }

    std::map<std::string, std::vector<core::CellCritical>> strata;
    for (const auto& [key, cell] : cells) {
      const RatioCurve curve = ratio_curve(cell);
      const RunWithTestSet& c = cell.first;
      strata.try_emplace(c.key.stratum);
      bool unconverted = false;
      for (double eps : o.eps) {
        const core::CriticalFraction f = core::critical_fraction(
            cell.data, eps, o.bootstrap, seed_of(key + fmt::format("{}", eps), o.seed));
        const CountRatio ratio = count_ratio(augmented, curve, f);
        const double n2 = static_cast<double>(c.group_order) * c.group_order;
        const bool censored = f.censoring != core::Censoring::kNone;
        const auto nstar = [&](double fr, double k) {
          return ratio.known && !censored ? finite_or_none(fr * n2 * k) : std::nullopt;
        };
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
        row.settings = fstar_settings;
        row.n_star = nstar(f.estimate, ratio.at);
        row.n_star_low = nstar(f.low, ratio.low);
        row.n_star_high = nstar(f.high, ratio.high);
        if (ratio.known && !censored) row.count_ratio = ratio.at;
        critical_out.rows.push_back(
            {sweep, c.key.settings.group_spec, std::int64_t{c.group_order}, c.key.settings.augment,
             std::int64_t{c.augment_order}, c.key.settings.width, eps, value_or_null(f.estimate),
             value_or_null(f.low), value_or_null(f.high), o.count,
             row.count_ratio ? SqlValue(*row.count_ratio) : SqlValue(),
             row.n_star ? SqlValue(*row.n_star) : SqlValue(),
             row.n_star_low ? SqlValue(*row.n_star_low) : SqlValue(),
             row.n_star_high ? SqlValue(*row.n_star_high) : SqlValue(), censoring_name(f.censoring),
             std::int64_t{f.seeds}, std::int64_t{o.bootstrap}, o.seed, kFstarMethod, now,
             c.key.stratum});
        res.critical.push_back(std::move(row));
        if (!ratio.known && !censored) {
          unconverted = true;
          continue;
        }
        core::CellCritical cc{cell.id, c.group_order, c.augment_order, f};
        cc.count_ratio = ratio.at;
        cc.count_ratio_low = ratio.low;
        cc.count_ratio_high = ratio.high;
        strata[c.key.stratum].push_back(cc);
      }
      if (unconverted) {
        fmt::print(stderr,
                   "sweep \"{}\": cell {}: no run records train_pairs and sampled_pairs: left "
                   "out of the augmented count's laws\n",
                   sweep, key);
      }
    }
    for (const auto& [stratum, rows] : strata) {
      res.strata.push_back(stratum);
      const core::ScalingFit fit =
          core::fit_scaling_laws(rows, o.bootstrap, seed_of(stratum, o.seed));
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
          row.eps = eps_text;
          row.settings = law_settings;
          res.fits.push_back(std::move(row));
          fits_out.rows.push_back({sweep, stratum, law->law, prm.name, prm.estimate,
                                   value_or_null(prm.low), value_or_null(prm.high), law->r2,
                                   std::int64_t{law->cells},
                                   std::int64_t{law->censored_left + law->censored_right},
                                   preferred ? "yes" : "", prm.fstar_share, warnings, o.count,
                                   eps_text, std::int64_t{o.bootstrap}, o.seed, kLawMethod, now});
        }
      }
    }
  }

  // One transaction for every sweep: a failure leaves the database as it was.
  {
    FitResultsWriter out(store.db());
    for (const SweepResults& res : results) {
      for (const CriticalFractionRow& row : res.critical) out.replace(row);
      for (const std::string& stratum : res.strata) {
        out.clear_fits(res.sweep, stratum, eps_text, o.count);
      }
      for (const FitParameterRow& row : res.fits) out.add(row);
      for (const auto& [run_id, rows] : res.theorem2) {
        out.replace_theorem2(run_id, rows);
        ++theorem2_runs;
        theorem2_fits += rows.size();
      }
    }
    out.commit();
  }
  if (theorem2_runs > 0) {
    fmt::print(stderr, "fit: Theorem 2 fits of {} runs stored ({} potentials)\n", theorem2_runs,
               theorem2_fits);
  }

  std::vector<const OutTable*> tables;
  for (const OutTable* t : {&critical_out, &fits_out}) {
    if (o.table.empty() || o.table == t->name) tables.push_back(t);
  }
  if (!o.out_dir.empty()) {
    std::filesystem::create_directories(o.out_dir);
    for (const OutTable* t : tables) {
      const std::string path = (std::filesystem::path(o.out_dir) / (std::string(t->name) + ".csv"))
                                   .string();
      std::FILE* f = std::fopen(path.c_str(), "w");
      if (f == nullptr) {
        throw Error(fmt::format("fit: --out-dir: cannot write \"{}\": {}", path,
                                std::strerror(errno)));
      }
      write_rows(t->columns, t->rows, *make_row_writer(OutputFormat::kCsv, f));
      const bool ok = std::ferror(f) == 0;
      if (std::fclose(f) != 0 || !ok) {
        throw Error(fmt::format("fit: --out-dir: cannot write \"{}\"", path));
      }
      fmt::print(stderr, "fit: {} rows of {} written to {}\n", t->rows.size(), t->name, path);
    }
  } else if (format == OutputFormat::kJson) {
    // One document: {"critical_fractions": [...], "fits": [...]}.
    nlohmann::ordered_json doc = nlohmann::ordered_json::object();
    for (const OutTable* t : tables) {
      nlohmann::ordered_json rows = nlohmann::ordered_json::array();
      for (const auto& r : t->rows) {
        nlohmann::ordered_json obj = nlohmann::ordered_json::object();
        for (std::size_t c = 0; c < r.size(); ++c) obj[t->columns[c]] = json_value(r[c]);
        rows.push_back(std::move(obj));
      }
      doc[t->name] = std::move(rows);
    }
    fmt::print("{}\n", dump_json(doc, 1));
    std::fflush(stdout);
  } else {
    // csv: the one table asked for (header and all, even without rows); table: each with rows.
    bool first = true;
    for (const OutTable* t : tables) {
      if (format == OutputFormat::kTable && t->rows.empty()) continue;
      if (!first) fmt::print("\n");
      first = false;
      write_rows(t->columns, t->rows, *make_row_writer(format, stdout));
    }
  }
  return 0;
}

}  // namespace symsweep::sweeps
