// bench_fixed: the per-run fixed costs of a run inside a team (one thread), timed piece by piece
// with the very core calls core::execute_run and core::train make, nothing re-implemented:
//   - context_ms: core::GroupContext of the group (the group, its dual or irreps, all pairs).
//     A scheduler team builds it once per group and caches it (core::GroupContextCache), so in a
//     sweep this is per (team, group), not per run;
//   - split_ms: make_subgroup + make_split (per run);
//   - particles_ms: init_particles<float> (per run);
//   - train_setup_ms: what train() does before its first step besides the measurement: the
//     invariants of the initial particles and AdamW's zeroed moments (per run);
//   - first_measure_ms: the first core::measure of the process on fresh particles (step 0; cold
//     caches and allocations), measure_ms: the median of the following ones (a logged step;
//     potentials as train() decides: every rho_{k1 k2 k} or only rho_kkk, field full_potentials).
// One JSON line per group on stdout. A benchmark, not a test: it never fails on slowness.
// bench_throughput.sh runs it for the groups of its sweep.
//
//   build/tests/bench/bench_fixed [--group cyclic:13 --group cyclic:23] [--width 256]
//                                 [--fraction 0.5] [--reps 7] [--seed 0]

#include <CLI/CLI.hpp>
#include <Eigen/Dense>
#include <cstdint>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "symsweep/core/data.hpp"
#include "symsweep/core/diagnostics.hpp"
#include "symsweep/core/group.hpp"
#include "symsweep/core/group_context.hpp"
#include "symsweep/core/model.hpp"
#include "symsweep/core/reducer.hpp"
#include "symsweep/core/train.hpp"
#include "tests/bench/bench_util.hpp"

namespace {
using namespace symsweep;
using namespace symsweep::bench;

volatile double g_sink = 0.0;  // keeps results alive

nlohmann::json run_group(const std::string& spec, std::int64_t q, double f, int reps,
                         std::uint64_t seed) {
  std::vector<double> context, split_t, particles, setup, measures;
  // The group context, built afresh each repetition.
  for (int r = 0; r < reps; ++r) {
    const auto t0 = Clock::now();
    const core::GroupContext ctx(core::make_group(spec));
    context.push_back(elapsed(t0));
    g_sink = g_sink + static_cast<double>(ctx.group().order());
  }
  const core::GroupContext task(core::make_group(spec));
  const core::Group& g = task.group();
  const int n = g.order();
  core::Split split;
  for (int r = 0; r < reps; ++r) {
    const auto t0 = Clock::now();
    const auto subgroup = core::make_subgroup(g, "none");
    split = core::make_split(g, f, subgroup, seed);
    split_t.push_back(elapsed(t0));
  }
  core::Particles<float> p;
  for (int r = 0; r < reps; ++r) {
    const auto t0 = Clock::now();
    p = core::init_particles<float>(n, q, core::ShardRange{0, q}, 0.3, seed);
    particles.push_back(elapsed(t0));
  }
  // The benchmarks' settings (bench_util.hpp), logged every 100 steps as the quickstart is.
  core::TrainConfig cfg = train_config(Case{"fixed", n, q, 0.0, 0}, seed);
  cfg.log_every = 100;
  const bool full = core::measures_full_potentials(cfg, n, split.train.size());
  core::Invariants initial;
  for (int r = 0; r < reps; ++r) {
    const auto t0 = Clock::now();
    initial = core::invariants(p.stacked());
    core::OptimizerState<float> opt;
    for (int i = 0; i < 3; ++i) {
      opt.m[i].setZero(p.local_count(), p.n());
      opt.v[i].setZero(p.local_count(), p.n());
    }
    setup.push_back(elapsed(t0));
    g_sink = g_sink + static_cast<double>(opt.m[0].size());
  }
  core::LocalReducer reducer;
  double first = 0.0;
  for (int r = 0; r <= reps; ++r) {
    const auto t0 = Clock::now();
    const core::StepMetrics m = core::measure(task, split, p, initial, 0, reducer, full);
    const double t = elapsed(t0);
    g_sink = g_sink + m.train_loss;
    if (r == 0) {
      first = t;
    } else {
      measures.push_back(t);
    }
  }
  nlohmann::json j;
  j["bench"] = "fixed";
  j["group"] = spec;
  j["n"] = n;
  j["width"] = q;
  j["fraction"] = f;
  j["train_pairs"] = split.train.size();
  j["full_potentials"] = full;
  j["reps"] = reps;
  j["context_ms"] = median(context) * 1e3;
  j["split_ms"] = median(split_t) * 1e3;
  j["particles_ms"] = median(particles) * 1e3;
  j["train_setup_ms"] = median(setup) * 1e3;
  j["first_measure_ms"] = first * 1e3;
  j["measure_ms"] = median(measures) * 1e3;
  j["git_rev"] = SYMSWEEP_GIT_REV;
  return j;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"per-run fixed costs inside a team (one thread): one JSON line per group"};
  std::vector<std::string> groups{"cyclic:13", "cyclic:17", "cyclic:23"};
  std::int64_t width = 256;
  double fraction = 0.5;
  int reps = 7;
  std::uint64_t seed = 0;
  app.add_option("--group", groups, "groups (repeat the option)")->capture_default_str();
  app.add_option("--width", width, "q")->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 24))
      ->capture_default_str();
  app.add_option("--fraction", fraction, "data fraction")->check(CLI::Range(1e-9, 1.0))
      ->capture_default_str();
  app.add_option("--reps", reps, "repetitions (medians are reported)")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  app.add_option("--seed", seed, "split and initialisation seed")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  try {
    for (const std::string& g : groups) {
      std::cout << run_group(g, width, fraction, reps, seed).dump() << std::endl;
    }
  } catch (const std::exception& e) {
    std::cerr << "bench_fixed: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
