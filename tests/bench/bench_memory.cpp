// bench_memory: peak RSS and time of f32 AdamW training steps of core::train's step
// (loss_and_gradient + the update) on cyclic:N at fraction F with q particles, one process and
// one thread, without the logged measurement (whose cost against n is bench_step's
// measure_steps). One JSON line; run one process per configuration (the peak RSS of a process
// only grows): tests/bench/memory.sh does. A benchmark, not a test: it never fails on slowness.
//
// Also printed: what the step's buffers would take without chunks (h and s, q x |T| each, and
// the outputs, n x |T|), for comparison.


#include <CLI/CLI.hpp>
#include <cmath>
#include <cstdint>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>

#include "kernels/kernels.hpp"
#include "symsweep/core/data.hpp"
#include "symsweep/core/group.hpp"
#include "symsweep/core/isa.hpp"
#include "symsweep/core/model.hpp"
#include "tests/bench/bench_util.hpp"

using symsweep::bench::peak_rss_mib;

int main(int argc, char** argv) {
  using namespace symsweep;
  CLI::App app{"peak RSS and step time of training steps against the group order (one thread)"};
  int n = 97;
  std::int64_t q = 256;
  double f = 0.5;
  int steps = 2;
  std::int64_t chunk = 0;
  app.add_option("--n", n, "group order (cyclic:N)")->capture_default_str()->check(CLI::Range(2, 4096));
  app.add_option("--q", q, "particles")->capture_default_str()->check(CLI::Range(1, 1 << 24));
  app.add_option("--f", f, "data fraction")->capture_default_str()->check(CLI::Range(0.001, 1.0));
  app.add_option("--steps", steps, "timed steps")->capture_default_str()->check(CLI::Range(1, 100000));
  app.add_option("--chunk", chunk, "training pairs per chunk (default: loss_chunk_pairs)")
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{1} << 30));
  CLI11_PARSE(app, argc, argv);

  const core::Group g = core::make_group("cyclic:" + std::to_string(n));
  const core::Split split = core::make_split(g, f, {g.identity()}, 0);
  core::Particles<float> p =
      core::init_particles<float>(n, q, core::ShardRange{0, q}, 0.3, 0);
  core::TrainConfig cfg;
  core::Particles<float>::Mat m[3], v[3];
  for (auto& x : m) x.setZero(q, n);
  for (auto& x : v) x.setZero(q, n);
  const double rss_setup = peak_rss_mib();
  core::LocalReducer local;
  core::Workspace<float> ws;
  ws.chunk_pairs = chunk;
  core::Gradient<float> grad;
  const core::TypedKernels<float>& update = core::kernels().f32;
  std::vector<double> step_s;
  double loss = 0.0;
  for (int s = 1; s <= steps; ++s) {
    const auto t0 = bench::Clock::now();
    loss = core::loss_and_gradient(p, split.train, local, ws, grad);
    // The AdamW update train() runs: core's own kernel of the chosen level.
    const double bc1 = 1.0 - std::pow(cfg.beta1, s), bc2 = 1.0 - std::pow(cfg.beta2, s);
    core::Particles<float>::Mat* w[3] = {&p.a, &p.b, &p.c};
    const core::Particles<float>::Mat* gr[3] = {&grad.a, &grad.b, &grad.c};
    for (int i = 0; i < 3; ++i) update.adamw_update(*w[i], *gr[i], m[i], v[i], cfg, bc1, bc2);
    step_s.push_back(bench::elapsed(t0));
  }
  const double tr = static_cast<double>(split.train.size());
  nlohmann::json j;
  j["bench"] = "memory";
  j["group"] = g.spec();
  j["n"] = n;
  j["q"] = q;
  j["f"] = f;
  j["train_pairs"] = split.train.size();
  j["chunk_pairs"] =
      chunk > 0 ? chunk
                : core::loss_chunk_pairs(q, n, static_cast<std::int64_t>(split.train.size()),
                                         sizeof(float));
  j["steps"] = steps;
  j["step_ms"] = bench::median(step_s) * 1e3;
  j["step_gflops"] = 6.0 * tr * static_cast<double>(q) * n / bench::median(step_s) * 1e-9;
  j["peak_rss_mib"] = peak_rss_mib();
  j["rss_before_steps_mib"] = rss_setup;
  j["unchunked_buffers_mib"] = (2.0 * static_cast<double>(q) + n) * tr * 4.0 / 1048576.0;
  j["final_loss"] = loss;
  j["kernels"] = core::kernel_isa();
  std::cout << j.dump() << std::endl;
  return 0;
}
