#include "core/run.hpp"

#include <cmath>

#include "core/error.hpp"

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
  make_subgroup(make_group(group), augment);
}

const char* to_string(RunStatus s) {
  switch (s) {
    case RunStatus::kDone:
      return "done";
    case RunStatus::kDiverged:
      return "diverged";
    case RunStatus::kFailed:
      return "failed";
  }
  return "failed";
}

const Task& TaskCache::get(const std::string& group_spec) {
  auto it = tasks_.find(group_spec);
  if (it == tasks_.end()) {
    it = tasks_.emplace(group_spec, std::make_unique<Task>(make_group(group_spec))).first;
  }
  return *it->second;
}

double estimated_cost(const RunConfig& cfg, int group_order) {
  const double n = group_order;
  return n * n * n * static_cast<double>(cfg.train.width) *
         static_cast<double>(std::max<std::int64_t>(cfg.train.steps, 1)) * cfg.data_fraction;
}

namespace {

template <typename T>
RunResult train_shard(const Task& task, const Split& split, const TrainConfig& cfg,
                      Reducer& reducer, const LogCallback& on_log, Eigen::MatrixXd* particles) {
  const int n = task.group().order();
  auto p = init_particles<T>(n, cfg.width, shard_range(cfg.width, reducer.size(), reducer.rank()),
                             cfg.init_scale, cfg.seed);
  RunResult r = train(task, split, cfg, p, reducer, on_log);
  if (particles != nullptr) {
    // Each rank fills its own rows; the sum-reduction assembles them in global order.
    particles->setZero(cfg.width, 3 * n);
    particles->middleRows(p.offset, p.local_count()) = p.stacked();
    reducer.sum(particles->data(), static_cast<std::size_t>(particles->size()));
  }
  return r;
}

}  // namespace

RunOutcome execute_run(const RunConfig& cfg, Reducer& reducer, TaskCache& cache,
                       const LogCallback& on_log, Eigen::MatrixXd* particles) {
  cfg.validate();
  const Task& task = cache.get(cfg.group);
  const auto subgroup = make_subgroup(task.group(), cfg.augment);
  const Split split = make_split(task.group(), cfg.data_fraction, subgroup, cfg.train.seed);

  RunOutcome out;
  out.group_order = task.group().order();
  out.abelian = task.group().is_abelian();
  out.augment_order = static_cast<int>(subgroup.size());
  out.train_pairs = split.train.size();
  out.sampled_pairs = split.sampled;
  out.result = cfg.train.precision == Precision::kF32
                   ? train_shard<float>(task, split, cfg.train, reducer, on_log, particles)
                   : train_shard<double>(task, split, cfg.train, reducer, on_log, particles);
  out.status = out.result.diverged ? RunStatus::kDiverged : RunStatus::kDone;
  return out;
}

}  // namespace symsweep::core
