#include "symsweep/core/run.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "symsweep/core/checkpoint.hpp"
#include "symsweep/core/error.hpp"
#include "symsweep/core/fields.hpp"
#include "symsweep/core/isa.hpp"

namespace symsweep::core {

void RunConfig::validate() const {
  if (!(data_fraction > 0.0 && data_fraction <= 1.0)) {
    throw InputError("data_fraction " + std::to_string(data_fraction) +
                     ": expected a value in (0, 1]");
  }
  train.validate();
}

void RunConfig::validate_fully() const {
  validate();
  const Group g = make_group(group);
  make_subgroup(g, augment);
  if (!train.target_frequencies.empty()) group_frequency_list(g, train.target_frequencies);
}

const char* to_string(RunStatus s) {
  switch (s) {
    case RunStatus::kDone:
      return "done";
    case RunStatus::kDiverged:
      return "diverged";
    case RunStatus::kFailed:
      return "failed";
    case RunStatus::kInterrupted:
      return "interrupted";
  }
  return "failed";
}

const GroupContext& GroupContextCache::get(const std::string& group_spec,
                                           bool irreps_at_any_order) {
  auto it = tasks_.find(group_spec);
  if (it == tasks_.end()) {
    it = tasks_
             .emplace(group_spec, std::make_unique<GroupContext>(make_group(group_spec),
                                                                 irreps_at_any_order))
             .first;
  } else if (irreps_at_any_order && it->second->irreps() == nullptr &&
             GroupContext::builds_irreps(it->second->group(), true)) {
    // A context built without irreps (beyond kMaxIrrepOrder) is rebuilt with them.
    it->second = std::make_unique<GroupContext>(it->second->group(), true);
  }
  return *it->second;
}

double estimated_cost(const RunConfig& cfg, int group_order) {
  const double n = group_order;
  return n * n * n * static_cast<double>(cfg.train.width) *
         static_cast<double>(std::max<std::int64_t>(cfg.train.steps, 1)) * cfg.data_fraction;
}

namespace {

/// Collective on the team: the kernels' level its ranks run, "LOW..HIGH (mixed)" when they
/// differ (nodes of different CPUs in one team).
std::string team_kernels(Reducer& reducer) {
  const std::vector<std::string> levels = kernel_isas();
  std::string mine = kernel_isa();
  const auto index = static_cast<double>(
      std::find(levels.begin(), levels.end(), mine) - levels.begin());
  double range[2] = {index, -index};  // {max, -min}
  reducer.max(range, 2);
  const auto hi = static_cast<std::size_t>(range[0]), lo = static_cast<std::size_t>(-range[1]);
  if (lo == hi || hi >= levels.size()) return mine;
  return levels[lo] + ".." + levels[hi] + " (mixed)";
}

/// Rows [offset, offset + count) of a whole-network matrix.
template <typename M>
M rows_of(const M& all, ShardRange r) {
  return all.middleRows(r.offset, r.count);
}

/// Collective: the team's shards of `local` assembled into one q-row matrix on every rank
/// (zero-filled, each rank adds its rows, one sum-reduction; x + 0 = x keeps values exact).
template <typename M>
M gather_rows(const M& local, ShardRange r, std::int64_t q, Reducer& reducer) {
  M all = M::Zero(q, local.cols());
  all.middleRows(r.offset, r.count) = local;
  reducer.sum(all.data(), static_cast<std::size_t>(all.size()));
  return all;
}

template <typename T>
void save_team_checkpoint(RunControl& c, ShardRange range, const Particles<T>& p,
                          const TrainState<T>& s, Reducer& reducer) {
  const std::int64_t q = p.global_count;
  Particles<T> all;
  all.global_count = q;
  all.a = gather_rows(p.a, range, q, reducer);
  all.b = gather_rows(p.b, range, q, reducer);
  all.c = gather_rows(p.c, range, q, reducer);
  TrainState<T> full;
  full.step = s.step;
  full.wall_seconds = s.wall_seconds;
  full.log = s.log;
  full.opt.t = s.opt.t;
  // Every row-sharded part of the state, from the one list.
  visit_state_rows(
      [&](const char*, const auto& local, auto& all_rows) {
        // Empty (0 x 0) on every rank alike when gd has no moments: a collective skipped by all.
        if (local.cols() > 0) all_rows = gather_rows(local, range, q, reducer);
      },
      s, full);
  if (reducer.rank() != 0) return;
  try {
    save_checkpoint(c.checkpoint_path, c.run_key, all, full);
  } catch (const std::exception& e) {
    // A checkpoint is insurance, not the result: the run goes on without it. Say so once per
    // run, with how often it happened.
    if (c.failed_saves++ == 0) {
      c.warnings.push_back(std::string(e.what()) + " (checkpoint not written; the run goes on)");
    }
  }
}

/// Collective: every rank reads the newest usable checkpoint; the team uses it only if every
/// rank read the same step from it.
template <typename T>
std::optional<std::pair<Particles<T>, TrainState<T>>> load_team_checkpoint(
    RunControl& c, std::int64_t q, int n, ShardRange range, Reducer& reducer) {
  const std::size_t warned_before = c.warnings.size();
  auto loaded = load_latest_checkpoint<T>(c.checkpoint_path, c.run_key, c.warnings);
  if (loaded && (loaded->first.global_count != q || loaded->first.n() != n)) {
    c.warnings.push_back("checkpoint \"" + c.checkpoint_path + "\": shape differs from the run");
    loaded.reset();
  }
  double steps[2] = {loaded ? static_cast<double>(loaded->second.step) : -1.0,
                     loaded ? -static_cast<double>(loaded->second.step) : 1.0};
  reducer.max(steps, 2);  // {max step, -min step}
  const bool usable = steps[0] >= 0.0 && steps[0] == -steps[1];
  for (std::size_t i = warned_before; i < c.warnings.size(); ++i) {
    c.warnings[i] += usable ? "; it continues from the older checkpoint"
                            : "; it starts again from the beginning";
  }
  if (!usable) return std::nullopt;
  auto& [all, full] = *loaded;
  Particles<T> p;
  p.offset = range.offset;
  p.global_count = q;
  p.a = rows_of(all.a, range);
  p.b = rows_of(all.b, range);
  p.c = rows_of(all.c, range);
  TrainState<T> s;
  s.step = full.step;
  s.wall_seconds = full.wall_seconds;
  s.log = std::move(full.log);
  s.opt.t = full.opt.t;
  visit_state_rows(
      [&](const char*, const auto& all_rows, auto& local) {
        if (all_rows.cols() > 0) local = rows_of(all_rows, range);
      },
      full, s);
  return std::make_pair(std::move(p), std::move(s));
}

template <typename T>
TrainResult train_shard(const GroupContext& task, const Split& split, const TrainConfig& cfg,
                      Reducer& reducer, const LogCallback& on_log, Eigen::MatrixXd* particles,
                      RunControl* control) {
  const int n = task.group().order();
  const ShardRange range = shard_range(cfg.width, reducer.size(), reducer.rank());
  Particles<T> p;
  TrainControl<T> tc;
  TrainState<T> resume;
  if (control != nullptr) {
    tc.checkpoint_every_steps = control->checkpoint_every_steps;
    tc.checkpoint_every_seconds = control->checkpoint_every_seconds;
    tc.stop_requested = control->stop_requested;
    if (!control->checkpoint_path.empty()) {
      tc.save = [&](const Particles<T>& shard, const TrainState<T>& s) {
        save_team_checkpoint(*control, range, shard, s, reducer);
      };
      if (auto loaded = load_team_checkpoint<T>(*control, cfg.width, n, range, reducer)) {
        p = std::move(loaded->first);
        resume = std::move(loaded->second);
        tc.resume = &resume;
        control->resumed = true;
        control->resumed_step = resume.step;
      }
    }
  }
  if (tc.resume == nullptr) {
    const InitLaw law{cfg.uniform_init(), cfg.input_init_scale(n), cfg.output_init_scale()};
    p = init_particles<T>(n, cfg.width, range, law, cfg.seed);
  }
  TrainResult r = train(task, split, cfg, p, reducer, on_log, control != nullptr ? &tc : nullptr);
  if (particles != nullptr) *particles = gather_rows(p.stacked(), range, cfg.width, reducer);
  return r;
}

}  // namespace

RunOutcome execute_run(const RunConfig& cfg, Reducer& reducer, GroupContextCache& cache,
                       const LogCallback& on_log, Eigen::MatrixXd* particles,
                       RunControl* control) {
  cfg.validate();
  const GroupContext& task = cache.get(cfg.group, cfg.train.potentials == Potentials::kFull);
  const auto subgroup = make_subgroup(task.group(), cfg.augment);
  const Split split = make_split(task.group(), cfg.data_fraction, subgroup, cfg.train.seed);

  RunOutcome out;
  out.group_order = task.group().order();
  out.abelian = task.group().is_abelian();
  out.augment_order = static_cast<int>(subgroup.size());
  out.train_pairs = split.train.size();
  out.sampled_pairs = split.sampled;
  // The same decision train() makes; groups without characters measure their irreps.
  if (task.dual() != nullptr) {
    out.potentials_note = potentials_note(cfg.train, out.group_order, out.train_pairs);
  } else {
    out.potentials_note = irreps_note(task);
  }
  out.kernels = team_kernels(reducer);
  out.result = cfg.train.precision == Precision::kF32
                   ? train_shard<float>(task, split, cfg.train, reducer, on_log, particles, control)
                   : train_shard<double>(task, split, cfg.train, reducer, on_log, particles,
                                         control);
  if (control != nullptr && control->failed_saves > 1) {
    control->warnings.push_back(std::to_string(control->failed_saves) +
                                " checkpoints of this run could not be written");
  }
  if (out.result.diverged) out.error = out.result.diverged_reason;
  out.status = out.result.diverged      ? RunStatus::kDiverged
               : out.result.interrupted ? RunStatus::kInterrupted
                                        : RunStatus::kDone;
  return out;
}

}  // namespace symsweep::core
