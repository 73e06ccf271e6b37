#include "report/data.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <tuple>
#include <utility>

#include "symsweep/core/error.hpp"

namespace symsweep::sweeps::report {

namespace {

bool same_eps(double a, double b) { return std::abs(a - b) < 1e-12; }

/// The stored laws of each stratum by model (rows without stratum or model predate schema 2).
std::map<std::string, std::map<std::string, Law>> laws_by_stratum(
    const std::vector<FitParameterRow>& fits) {
  std::map<std::string, std::map<std::string, Law>> out;
  for (const FitParameterRow& f : fits) {
    if (!f.stratum || !f.model) continue;
    Law& law = out[*f.stratum][*f.model];
    law.formula = f.law;
    law.r2 = f.r2.value_or(law.r2);
    law.cells = static_cast<int>(f.cells.value_or(0));
    law.preferred = f.preferred.value_or(false);
    law.parameters[f.parameter] = {f.estimate.value_or(0.0),
                                   f.low.value_or(std::numeric_limits<double>::quiet_NaN()),
                                   f.high.value_or(std::numeric_limits<double>::quiet_NaN())};
  }
  return out;
}

}  // namespace

Law::Parameter Law::get(const std::string& name) const {
  const auto it = parameters.find(name);
  if (it == parameters.end()) return {0.0, 0.0, 0.0};
  Parameter p = it->second;
  if (!std::isfinite(p.low)) p.low = p.estimate;
  if (!std::isfinite(p.high)) p.high = p.estimate;
  return p;
}

SweepData load_sweep(Database& db, const std::string& name, double eps, bool with_fits) {
  SweepData d;
  d.name = name;
  d.runs = read_sweep_runs(db, name);
  std::map<std::string, std::string> stratum_of_cell;
  for (const SweepRun& r : d.runs) {
    stratum_of_cell.emplace(r.key.cell, r.key.stratum);
    if (r.status != "done") continue;
    ++d.finished;
    Stratum& st = d.strata[r.key.stratum];
    st.key = r.key.stratum;
    if (r.test_acc) st.runs.push_back(r);
  }
  if (with_fits) {
    for (CriticalFractionRow& row : read_critical_fractions(db, name)) {
      const auto it = stratum_of_cell.find(row.cell);
      d.critical.push_back({std::move(row), it == stratum_of_cell.end() ? "" : it->second});
    }
    d.fits = read_fits(db, name);
  }
  for (const Critical& c : d.critical) {
    const auto it = d.strata.find(c.stratum);
    if (it != d.strata.end()) it->second.critical.push_back(c);
  }
  for (auto& [key, laws] : laws_by_stratum(d.fits)) {
    const auto it = d.strata.find(key);
    if (it != d.strata.end()) it->second.laws = std::move(laws);
  }

  // eps of the N* figures: the one asked for, else 0.1 when fitted, else the first fitted.
  d.eps = eps > 0 ? eps : kDefaultEps;
  const bool found = std::any_of(d.critical.begin(), d.critical.end(),
                                 [&](const Critical& c) { return same_eps(c.stored.eps, d.eps); });
  if (!found && !d.critical.empty()) {
    if (eps > 0) {
      d.eps_note = fmt::format("ε = {:g} was not fitted; showing ε = {:g} (the first fitted).", eps,
                               d.critical.front().stored.eps);
    }
    d.eps = d.critical.front().stored.eps;
  }
  return d;
}

std::string settings_key(const CellSettings& settings) {
  CellSettings s = settings;
  s.group_spec.clear();  // no family: the stratum key then starts with a space
  s.augment.clear();
  std::string key = cell_key(std::move(s)).stratum;
  key.erase(0, key.find_first_not_of(' '));
  return key;
}

const Critical* critical_of(const std::vector<Critical>& critical, const std::string& cell,
                            double eps) {
  for (const Critical& c : critical) {
    if (c.stored.cell == cell && same_eps(c.stored.eps, eps)) return &c;
  }
  return nullptr;
}

namespace {

/// The runs of a cell that generalise at eps (see DynamicsChoice), and the rule as HTML.
std::vector<const SweepRun*> generalising_runs(const std::vector<const SweepRun*>& runs,
                                               const std::vector<Critical>& critical, double eps,
                                               std::string* rule) {
  std::vector<const SweepRun*> out;
  const Critical* c = critical_of(critical, runs.front()->key.cell, eps);
  if (c != nullptr && (c->stored.estimate || c->stored.censoring == "left")) {
    // Censored on the left: the accuracy is above 1 - eps from the smallest fraction on.
    const double fstar = c->stored.estimate.value_or(0.0);
    *rule = c->stored.estimate
                ? fmt::format(
                      "data fraction above the cell's f*(ε = {:g}) = {:.3g} (stored by "
                      "<code>symsweep fit</code>)",
                      eps, fstar)
                : fmt::format(
                      "every fraction of the grid: the cell's f*(ε = {:g}) is censored "
                      "on the left",
                      eps);
    for (const SweepRun* r : runs) {
      if (r->fraction > fstar) out.push_back(r);
    }
    return out;
  }
  *rule = c != nullptr ? fmt::format(
                             "none: the cell's f*(ε = {:g}) is censored on the right "
                             "(the accuracy never reaches 1 − ε inside the grid)",
                             eps)
                       : fmt::format(
                             "final test accuracy ≥ 1 − ε = {:g} (no f*(ε) is stored for "
                             "the cell)",
                             1.0 - eps);
  if (c != nullptr) return out;
  for (const SweepRun* r : runs) {
    if (r->test_acc && *r->test_acc >= 1.0 - eps) out.push_back(r);
  }
  return out;
}

}  // namespace

std::optional<DynamicsChoice> dynamics_run(const SweepData& d) {
  std::map<std::string, std::vector<const SweepRun*>> cells;
  for (const SweepRun& r : d.runs) {
    if (r.status == "done") cells[r.key.cell].push_back(&r);
  }
  struct Candidate {
    const std::vector<const SweepRun*>* runs;
    std::vector<const SweepRun*> generalising;
    std::string rule;
  };
  std::optional<Candidate> best;
  for (const auto& [key, rs] : cells) {
    Candidate c{&rs, {}, {}};
    c.generalising = generalising_runs(rs, d.critical, d.eps, &c.rule);
    if (best) {
      const SweepRun& a = *rs.front();
      const SweepRun& b = *best->runs->front();
      if (std::tuple(!c.generalising.empty(), rs.size(), a.abelian, a.group_order) <=
          std::tuple(!best->generalising.empty(), best->runs->size(), b.abelian, b.group_order)) {
        continue;
      }
    }
    best = std::move(c);
  }
  if (!best) return std::nullopt;
  DynamicsChoice choice;
  choice.cell = best->runs->front()->key.cell;
  choice.rule = best->rule;
  for (const SweepRun* r : best->generalising) choice.generalising.push_back(r->id);
  const auto acc = [](const SweepRun* r) { return r->test_acc.value_or(-1.0); };
  if (!best->generalising.empty()) {
    std::vector<const SweepRun*> rs = best->generalising;
    std::sort(rs.begin(), rs.end(), [&](const SweepRun* a, const SweepRun* b) {
      return std::tuple(a->fraction, acc(a), a->id) < std::tuple(b->fraction, acc(b), b->id);
    });
    choice.id = rs[(rs.size() - 1) / 2]->id;
    choice.generalised = true;
    return choice;
  }
  std::vector<const SweepRun*> rs;
  for (const SweepRun* r : *best->runs) {
    if (r->test_acc) rs.push_back(r);
  }
  if (rs.empty()) rs = *best->runs;
  std::stable_sort(rs.begin(), rs.end(),
                   [&](const SweepRun* a, const SweepRun* b) { return acc(a) < acc(b); });
  choice.id = rs[(rs.size() - 1) / 2]->id;
  return choice;
}

std::vector<CellPotentials> load_cell_potentials(Database& db, const Stratum& st) {
  std::map<std::string, CellPotentials> cells;
  for (const SweepRun& r : st.runs) {
    RunPotentials p = read_potentials(db, r.id);
    if (p.ks.empty()) continue;
    CellPotentials& c = cells[r.key.cell];
    c.cell = r.key.cell;
    c.runs.push_back(r);
    c.potentials.push_back(std::move(p));
  }
  std::vector<CellPotentials> out;
  out.reserve(cells.size());
  for (auto& [key, c] : cells) out.push_back(std::move(c));
  return out;
}

RunData load_run(Database& db, std::int64_t run_id) {
  RunData d;
  d.id = run_id;
  std::optional<RunInfo> info = read_run_info(db, run_id);
  if (!info) throw InputError(fmt::format("report: --run {}: no such run", run_id));
  d.info = std::move(*info);
  d.metrics = read_metrics(db, run_id);
  if (d.metrics.empty()) {
    throw InputError(fmt::format(
        "report: --run {}: the run has no logged metrics (status {}); pick a finished run", run_id,
        d.info.status));
  }
  d.potentials = read_potentials(db, run_id);
  if (has_theorem2_table(db)) d.theorem2 = read_theorem2_fits(db, run_id);
  std::vector<core::Theorem2Fit> fits;
  fits.reserve(d.theorem2.size());
  for (const Theorem2Row& r : d.theorem2) fits.push_back(r.fit);
  d.summary = core::summarize_theorem2(std::move(fits));
  return d;
}

}  // namespace symsweep::sweeps::report
