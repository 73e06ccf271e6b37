// bench_dixon: what the irrep metrics of a group without closed-form characters cost, against
// its order n, in one process per group (so the peak RSS is the group's own):
//   - Dixon's method (IrrepSet: conjugacy classes, the isotypic split, one copy per block, the
//     verification of every property on all n^2 pairs), and the verification alone;
//   - IrrepPotentials' set-up and one summarize() of q random particles (a logged step's irrep
//     metrics), with its working-set estimate;
//   - one f32 training step (loss_and_gradient) at fraction --fraction on the same q, so the
//     logged measurement is reported as a number of training steps (0 with --no-step).
//
//   build/tests/bench/bench_dixon --group symmetric:6 [--q 512] [--fraction 0.5] [--no-step]
//   tests/bench/dixon.sh build       (the README's list of groups, one JSON line each)
//
// A benchmark, not a test: it never fails on slowness. gap: groups need GAP or its cache.
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdint>
#include <string>

#include "symsweep/core/blas.hpp"
#include "symsweep/core/data.hpp"
#include "symsweep/core/group.hpp"
#include "symsweep/core/irrep_potentials.hpp"
#include "symsweep/core/irreps.hpp"
#include "symsweep/core/model.hpp"
#include "symsweep/core/reducer.hpp"
#include "tests/bench/bench_util.hpp"

int main(int argc, char** argv) {
  using namespace symsweep;
  using namespace symsweep::bench;
  CLI::App app{"bench_dixon: the cost of Dixon's method and of the irrep metrics against n"};
  std::string spec = "symmetric:5";
  std::int64_t q = 512;
  double fraction = 0.5;
  bool no_step = false, no_summary = false;
  app.add_option("--group", spec, "a non-abelian group spec")->capture_default_str();
  app.add_option("--q", q, "particles for summarize and the step")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 20))
      ->capture_default_str();
  app.add_option("--fraction", fraction, "training fraction of the timed step")
      ->check(CLI::Range(0.01, 1.0))
      ->capture_default_str();
  app.add_flag("--no-step", no_step, "do not time a training step");
  app.add_flag("--no-summarize", no_summary, "do not time IrrepPotentials (Dixon's method only)");
  CLI11_PARSE(app, argc, argv);
  core::set_blas_threads(1);

  const core::Group g = core::make_group(spec);
  const int n = g.order();
  const double rss_group = peak_rss_mib();

  auto t0 = Clock::now();
  const core::IrrepSet irreps(g);
  const double dixon_s = elapsed(t0);
  const double rss_dixon = peak_rss_mib();
  t0 = Clock::now();
  const core::IrrepCheck check =
      core::verify_irreps(g, irreps.irreps(), static_cast<int>(irreps.classes().size()));
  const double verify_s = elapsed(t0);
  int max_degree = 0;
  double sum_d6 = 0.0;
  for (const core::Irrep& r : irreps.irreps()) {
    max_degree = std::max(max_degree, r.dim);
    sum_d6 += static_cast<double>(r.dim) * r.dim * r.dim * r.dim * r.dim * r.dim;
  }

  t0 = Clock::now();
  const core::IrrepPotentials pot(irreps);
  const double potentials_s = elapsed(t0);
  core::LocalReducer local;
  double summarize_s = 0.0, binary_gap = 0.0;
  if (!no_summary) {
    const core::Particles<double> pd =
        core::init_particles<double>(n, q, core::ShardRange{0, q}, 0.3, 1);
    t0 = Clock::now();
    binary_gap = pot.summarize(pd.stacked(), q, local).binary_gap;
    summarize_s = elapsed(t0);
  }
  const double rss_summary = peak_rss_mib();

  double step_s = 0.0;
  std::size_t pairs = 0;
  if (!no_step) {
    const core::Split split = core::make_split(g, fraction, {g.identity()}, 0);
    pairs = split.train.size();
    const core::Particles<float> p =
        core::init_particles<float>(n, q, core::ShardRange{0, q}, 0.3, 0);
    core::Workspace<float> ws;
    core::Gradient<float> grad;
    core::loss_and_gradient(p, split.train, local, ws, grad);  // warm-up: buffers, pages
    t0 = Clock::now();
    core::loss_and_gradient(p, split.train, local, ws, grad);
    step_s = elapsed(t0);
  }

  fmt::print(
      "{{\"group\":\"{}\",\"n\":{},\"classes\":{},\"max_degree\":{},\"sum_d6\":{:.0f},"
      "\"dixon_s\":{:.3f},\"verify_s\":{:.3f},\"check_max_error\":{:.2e},"
      "\"peak_rss_dixon_mb\":{:.0f},\"rss_before_mb\":{:.0f},\"potentials_setup_s\":{:.3f},"
      "\"q\":{},\"summarize_s\":{:.3f},\"summarize_reductions\":{},"
      "\"summarize_working_mb_estimate\":{:.0f},\"peak_rss_mb\":{:.0f},"
      "\"step_fraction\":{},\"step_pairs\":{},\"step_s\":{:.3f},\"summarize_in_steps\":{:.2f},"
      "\"binary_gap\":{:.4f}}}\n",
      spec, n, irreps.classes().size(), max_degree, sum_d6, dixon_s, verify_s,
      check.max_error(), rss_dixon, rss_group, potentials_s, q, summarize_s,
      pot.reduction_sizes().size(), pot.working_bytes(q) / 1048576.0, rss_summary, fraction,
      pairs, step_s, step_s > 0 ? summarize_s / step_s : 0.0, binary_gap);
  return 0;
}
