// Non-abelian monomial potentials: the cost of the irreducible representations of S_5 and of
// logging the per-irrep MPs every 100 steps while training S_5 (q 1024, f 0.5, f32 AdamW).
//
//   build/tests/bench/bench_irreps [--steps 200] [--reps 3]
//
// Prints one JSON line. The logging overhead is measured in one process, interleaving runs that
// log every 100 steps with runs that log only at the ends (log_every = 0: two measurements),
// and comparing their medians; the machine is shared, so only ratios from one run mean much.
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <vector>

#include "symsweep/core/blas.hpp"
#include "symsweep/core/irreps.hpp"
#include "symsweep/core/run.hpp"
#include "tests/bench/bench_util.hpp"

namespace {
using namespace symsweep::bench;


}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"bench_irreps: cost of irreps and of logging non-abelian MPs (S_5)"};
  int steps = 200, reps = 3;
  app.add_option("--steps", steps, "training steps per timed run")->capture_default_str();
  app.add_option("--reps", reps, "repetitions (medians are reported)")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  symsweep::core::set_blas_threads(1);
  using namespace symsweep::core;

  const Group s5 = make_group("symmetric:5");
  std::vector<double> build;
  for (int r = 0; r < 5; ++r) {
    const auto t0 = Clock::now();
    const IrrepSet irreps(s5);
    build.push_back(elapsed(t0));
  }

  RunConfig cfg;
  cfg.group = "symmetric:5";
  cfg.data_fraction = 0.5;
  cfg.train.width = 1024;
  cfg.train.steps = steps;
  cfg.train.precision = Precision::kF32;
  GroupContextCache cache;
  cache.get(cfg.group);  // irreps built once, as in a sweep
  LocalReducer local;
  std::vector<double> logged, plain;
  for (int r = 0; r < reps; ++r) {
    for (std::int64_t every : {std::int64_t{100}, std::int64_t{0}}) {
      cfg.train.log_every = every;
      const auto t0 = Clock::now();
      execute_run(cfg, local, cache);
      (every > 0 ? logged : plain).push_back(elapsed(t0));
    }
  }
  const double with_logs = median(logged), ends_only = median(plain);
  // log_every = 100 measures at steps 0, 100, ..., `steps`; log_every = 0 at 0 and `steps`.
  const int extra = std::max(0, steps / 100 - 1);
  const double per_log = extra > 0 ? (with_logs - ends_only) / extra : 0.0;
  const double step = (ends_only - 2 * per_log) / steps;
  fmt::print(
      "{{\"irreps_s5_ms\":{:.2f},\"train_ms_logging_every_100\":{:.1f},"
      "\"train_ms_logging_ends_only\":{:.1f},\"ms_per_logged_step\":{:.2f},"
      "\"ms_per_training_step\":{:.2f},\"logging_overhead_pct\":{:.2f}}}\n",
      1e3 * median(build), 1e3 * with_logs, 1e3 * ends_only, 1e3 * per_log, 1e3 * step,
      100.0 * per_log / (100.0 * step));
  return 0;
}
