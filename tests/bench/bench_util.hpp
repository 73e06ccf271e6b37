#pragma once

// What every benchmark here shares: clocks, repeated timing, and the training cases. The
// statistics (median) come from core/statistics.hpp, as for the fits and the report.

#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <ctime>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "symsweep/core/statistics.hpp"
#include "symsweep/core/train_config.hpp"

namespace symsweep::bench {

using Clock = std::chrono::steady_clock;
using core::median;

/// Wall seconds since `t0`.
inline double elapsed(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

/// The process's peak resident set so far, MiB (Linux reports KiB).
inline double peak_rss_mib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;
}

/// CPU seconds of the whole process: compared with the wall time it shows whether a run was
/// descheduled (the machine is shared).
inline double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

/// Seconds per call of `fn`: `reps` repetitions of `iters` calls each, one value per rep.
template <typename F>
std::vector<double> per_call(int reps, std::int64_t iters, F&& fn) {
  std::vector<double> out;
  for (int r = 0; r < reps; ++r) {
    const auto t0 = Clock::now();
    for (std::int64_t i = 0; i < iters; ++i) fn();
    out.push_back(elapsed(t0) / static_cast<double>(iters));
  }
  return out;
}

/// Enough calls of `fn` for about `target` seconds per repetition (at least 3).
template <typename F>
std::int64_t calibrate(double target, F&& fn) {
  const auto t0 = Clock::now();
  fn();
  const double one = std::max(elapsed(t0), 1e-7);
  return std::max<std::int64_t>(3, static_cast<std::int64_t>(target / one));
}

/// A training case: Z_n, q particles, data fraction f, `steps` timed steps.
struct Case {
  std::string name;
  int n = 0;
  std::int64_t q = 0;
  double f = 0.0;
  std::int64_t steps = 0;
};

/// The help text of --case.
inline constexpr const char* kCaseHelp =
    "S (Z_23, q 512, f 0.5, 500 steps), L (Z_97, q 1024, f 0.5, 20 steps) or custom:N,Q,F,STEPS";

/// "S", "L" or "custom:N,Q,F,STEPS"; throws std::invalid_argument naming the case otherwise.
inline Case parse_case(const std::string& name) {
  if (name == "S") return {"S", 23, 512, 0.5, 500};
  if (name == "L") return {"L", 97, 1024, 0.5, 20};
  if (name.rfind("custom:", 0) != 0) {
    throw std::invalid_argument("--case " + name + ": expected S, L or custom:N,Q,F,STEPS");
  }
  Case c;
  c.name = name;
  std::string body = name.substr(7);
  std::replace(body.begin(), body.end(), ',', ' ');
  std::istringstream in(body);
  if (!(in >> c.n >> c.q >> c.f >> c.steps) || c.n < 2 || c.q < 1 || !(c.f > 0 && c.f <= 1) ||
      c.steps < 2) {
    throw std::invalid_argument("--case " + name + ": expected custom:N,Q,F,STEPS (STEPS >= 2)");
  }
  return c;
}

/// The training settings every benchmark times: AdamW (lr 3e-3, weight decay 0.1, s = 0.3) in
/// f32 on the case's q for its steps, logging only the first and the last step.
inline core::TrainConfig train_config(const Case& cs, std::uint64_t seed) {
  core::TrainConfig cfg;
  cfg.width = cs.q;
  cfg.optimizer = core::Optimizer::kAdamW;
  cfg.precision = core::Precision::kF32;
  cfg.lr = 3e-3;
  cfg.weight_decay = 0.1;
  cfg.init_scale = 0.3;
  cfg.log_every = 0;
  cfg.seed = seed;
  cfg.steps = cs.steps;
  cfg.validate();
  return cfg;
}

/// The options every training benchmark takes.
struct CaseOptions {
  std::vector<std::string> cases;
  int reps = 5;
  std::int64_t steps = 0;  ///< 0: the case's own
  std::uint64_t seed = 0;
};

/// Adds --case, --reps, --steps and --seed to `app`, writing into `o` (its cases are the
/// defaults).
inline void add_case_options(CLI::App& app, CaseOptions& o) {
  app.add_option("--case", o.cases, kCaseHelp)->capture_default_str();
  app.add_option("--reps", o.reps, "repetitions (the median is reported)")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  app.add_option("--steps", o.steps, "steps per timed run (default: the case's)")
      ->check(CLI::Range(std::int64_t{2}, std::int64_t{1} << 30));
  app.add_option("--seed", o.seed, "split and initialisation seed")->capture_default_str();
}

/// The cases of `o`, parsed, with --steps applied.
inline std::vector<Case> selected_cases(const CaseOptions& o) {
  std::vector<Case> out;
  for (const std::string& name : o.cases) {
    Case c = parse_case(name);
    if (o.steps > 0) c.steps = o.steps;
    out.push_back(c);
  }
  return out;
}

}  // namespace symsweep::bench
