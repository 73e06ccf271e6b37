// bench_step: mean time of one f32 AdamW training step of symsweep, and two matrix-multiply
// reference rates on the step's own three product shapes, one thread:
//   - OpenBLAS: its own sgemm (cblas_sgemm, beta = 0), called directly, whatever core is built
//     with. This is the issue's reference ("70 % of the single-core f32 matrix-multiply rate of
//     OpenBLAS on the step's own shapes").
//   - Eigen: the very expressions model.cpp uses, compiled with the same flags as core, i.e. what
//     core runs. With the default build (SYMSWEEP_USE_BLAS=OFF) these are Eigen's own kernels at
//     the build's -march; with SYMSWEEP_USE_BLAS=ON, Eigen forwards them to OpenBLAS (field
//     `core_products` says which).
// One JSON line per case on stdout (progress on stderr). A benchmark, not a test: it never fails
// on slowness. See README.md.
//
// The step time is that of core::train itself (the real training loop: loss_and_gradient + the
// AdamW update, nothing re-implemented here). train() also measures all metrics at step 0 and at
// the last step; that fixed cost is cancelled by differencing two runs from the same start:
//   step = (median t_train(K) - median t_train(1)) / (K - 1).
// As a cross-check the bench also times core::loss_and_gradient alone and core::measure alone.

#include <CLI/CLI.hpp>
#include <Eigen/Dense>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <time.h>

#include "symsweep/core/blas.hpp"
#include "symsweep/core/data.hpp"
#include "symsweep/core/group.hpp"
#include "symsweep/core/isa.hpp"
#include "symsweep/core/model.hpp"
#include "symsweep/core/reducer.hpp"
#include "symsweep/core/train.hpp"
#include "tests/bench/bench_util.hpp"

// OpenBLAS, linked directly (BLAS::BLAS) whatever core is built with. Declared here rather than
// through <cblas.h>, whose Debian alternative may be netlib's; the enum arguments of cblas_sgemm
// are passed as int (same ABI). Not sgemm_: with EIGEN_USE_BLAS, Eigen declares it returning int.
extern "C" {
void cblas_sgemm(int order, int trans_a, int trans_b, int m, int n, int k, float alpha,
                 const float* a, int lda, const float* b, int ldb, float beta, float* c, int ldc);
void openblas_set_num_threads(int);
int openblas_get_num_threads(void);
char* openblas_get_corename(void);
char* openblas_get_config(void);
}

namespace {
using namespace symsweep::bench;

using namespace symsweep;
using MatF = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic>;

constexpr int kColMajor = 102, kNoTrans = 111, kTrans = 112;  // CBLAS enum values

struct Gemm {
  std::string name, shape;
  double openblas_s = 0.0, eigen_s = 0.0;  // median seconds per call
  double flops = 0.0;
};

/// The three products of loss_and_gradient on random data of the step's shapes (m = |T|), each
/// timed two ways, interleaved repetition by repetition:
///   - OpenBLAS: cblas_sgemm with beta = 0 (the reference rate);
///   - Eigen: the very expression model.cpp uses (same flags, so the same code as core's).
std::vector<Gemm> bench_gemms(int n, std::int64_t q, std::int64_t m, int reps) {
  std::mt19937 rng(1);
  std::normal_distribution<float> nd(0.f, 1.f);
  auto rnd = [&](Eigen::Index r, Eigen::Index c) {
    MatF x(r, c);
    for (Eigen::Index i = 0; i < x.size(); ++i) x.data()[i] = nd(rng);
    return x;
  };
  const MatF C = rnd(q, n), S = rnd(q, m), G = rnd(n, m);
  MatF out(n, m), dC(q, n), dS(q, m);
  const int N = n, Q = static_cast<int>(q), M = static_cast<int>(m);
  const double flops = 2.0 * static_cast<double>(m) * static_cast<double>(q) * n;
  std::vector<Gemm> res;
  auto run = [&](const std::string& name, const std::string& shape, auto&& blas, auto&& eigen) {
    for (int w = 0; w < 3; ++w) {  // warm-up
      blas();
      eigen();
    }
    const std::int64_t it_b = calibrate(0.1, blas), it_e = calibrate(0.1, eigen);
    std::vector<double> tb, te;
    for (int r = 0; r < reps; ++r) {
      tb.push_back(per_call(1, it_b, blas)[0]);
      te.push_back(per_call(1, it_e, eigen)[0]);
    }
    res.push_back({name, shape, median(tb), median(te), flops});
  };
  const std::string sN = std::to_string(n), sQ = std::to_string(q), sM = std::to_string(m);
  // forward: out (n x m) = C^T (n x q) * S (q x m)
  run("forward", "(" + sN + "x" + sQ + ")(" + sQ + "x" + sM + ")",
      [&] {
        cblas_sgemm(kColMajor, kTrans, kNoTrans, N, M, Q, 1.f, C.data(), Q, S.data(), Q, 0.f,
                    out.data(), N);
      },
      [&] { out.noalias() = C.transpose() * S; });
  // dC (q x n) = S (q x m) * G^T (m x n)
  run("dC", "(" + sQ + "x" + sM + ")(" + sM + "x" + sN + ")",
      [&] {
        cblas_sgemm(kColMajor, kNoTrans, kTrans, Q, N, M, 1.f, S.data(), Q, G.data(), N, 0.f,
                    dC.data(), Q);
      },
      [&] { dC.noalias() = S * G.transpose(); });
  // dS (q x m) = C (q x n) * G (n x m)
  run("dS", "(" + sQ + "x" + sN + ")(" + sN + "x" + sM + ")",
      [&] {
        cblas_sgemm(kColMajor, kNoTrans, kNoTrans, Q, M, N, 1.f, C.data(), Q, G.data(), N, 0.f,
                    dS.data(), Q);
      },
      [&] { dS.noalias() = C * G; });
  return res;
}

/// What core's products run on in this build.
std::string core_products_backend() {
#ifdef EIGEN_USE_BLAS
  return std::string("OpenBLAS ") + openblas_get_corename() + " (EIGEN_USE_BLAS)";
#else
  return std::string("Eigen ") + std::to_string(EIGEN_WORLD_VERSION) + "." +
         std::to_string(EIGEN_MAJOR_VERSION) + "." + std::to_string(EIGEN_MINOR_VERSION) +
         " (core's " + core::kernel_isa() + " kernels)";
#endif
}

nlohmann::json run_case(const Case& cs, int reps, std::uint64_t seed, bool gemm) {
  const core::GroupContext task(core::make_group("cyclic:" + std::to_string(cs.n)));
  const core::Group& g = task.group();
  const core::Split split = core::make_split(g, cs.f, {g.identity()}, seed);
  const auto m = static_cast<std::int64_t>(split.train.size());
  const core::Particles<float> p0 =
      core::init_particles<float>(cs.n, cs.q, core::ShardRange{0, cs.q}, 0.3, seed);
  core::LocalReducer reducer;

  const core::TrainConfig cfg = train_config(cs, seed);

  // Wall time of core::train over `steps` steps from p0 (the copy is outside the timing); the
  // CPU time of the same call goes to `cpu`.
  double last_loss = 0.0;
  auto time_train = [&](std::int64_t steps, double& cpu) {
    core::Particles<float> p = p0;
    core::TrainConfig c = cfg;
    c.steps = steps;
    const double c0 = cpu_seconds();
    const auto t0 = Clock::now();
    const core::TrainResult r = core::train<float>(task, split, c, p, reducer);
    const double t = elapsed(t0);
    cpu = cpu_seconds() - c0;
    if (r.diverged || r.steps_done != steps) throw std::runtime_error("training diverged");
    last_loss = r.log.back().train_loss;
    return t;
  };

  std::cerr << "[bench_step] " << cs.name << ": Z_" << cs.n << " q " << cs.q << " f " << cs.f
            << " |T| " << m << ", " << cs.steps << " steps x " << reps << " reps\n";
  double cpu = 0.0;
  time_train(std::min<std::int64_t>(cs.steps, 3), cpu);  // warm-up (allocations, caches, BLAS)

  // Interleaved so slow phases of a shared machine hit both sides alike.
  std::vector<double> t_k, t_1, c_k, c_1;
  for (int r = 0; r < reps; ++r) {
    t_k.push_back(time_train(cs.steps, cpu));
    c_k.push_back(cpu);
    t_1.push_back(time_train(1, cpu));
    c_1.push_back(cpu);
  }
  const double step_s = (median(t_k) - median(t_1)) / static_cast<double>(cs.steps - 1);
  const double step_cpu_s = (median(c_k) - median(c_1)) / static_cast<double>(cs.steps - 1);
  std::vector<double> step_reps;  // per repetition, to show the spread
  for (int r = 0; r < reps; ++r) step_reps.push_back((t_k[r] - t_1[r]) / (cs.steps - 1) * 1e3);

  // Cross-checks: loss_and_gradient alone, and the metrics train() computes at a logged step.
  core::Workspace<float> ws;
  core::Gradient<float> grad;
  for (int w = 0; w < 3; ++w) core::loss_and_gradient(p0, split.train, reducer, ws, grad);
  const double lg_s = median(per_call(reps, cs.steps, [&] {
    core::loss_and_gradient(p0, split.train, reducer, ws, grad);
  }));
  const core::Invariants inv = core::invariants(p0.stacked());
  const double measure_s =
      median(per_call(reps, 1, [&] { core::measure(task, split, p0, inv, 0, reducer); }));

  const double flops = 6.0 * static_cast<double>(m) * static_cast<double>(cs.q) * cs.n;
  nlohmann::json j;
  j["case"] = cs.name;
  j["group"] = g.spec();
  j["n"] = cs.n;
  j["q"] = cs.q;
  j["f"] = cs.f;
  j["train_pairs"] = m;
  j["precision"] = "f32";
  j["optimizer"] = "adamw";
  j["steps"] = cs.steps;
  j["reps"] = reps;
  j["method"] = "core::train, (median t(K steps) - median t(1 step)) / (K-1)";
  j["step_ms"] = step_s * 1e3;
  j["step_ms_reps"] = step_reps;
  j["step_cpu_ms"] = step_cpu_s * 1e3;  // well below step_ms: the run was descheduled
  j["loss_and_gradient_ms"] = lg_s * 1e3;
  j["update_and_rest_ms"] = (step_s - lg_s) * 1e3;
  j["measure_ms"] = measure_s * 1e3;
  // What a logged step costs on top of a step, in steps (losses and accuracies on all n^2
  // pairs, every MP, the diagnostics).
  j["measure_steps"] = measure_s / step_s;
  j["final_train_loss"] = last_loss;
  j["flops_per_step"] = flops;
  j["step_gflops"] = flops / step_s * 1e-9;
  if (gemm) {
    const std::vector<Gemm> gs = bench_gemms(cs.n, cs.q, m, reps);
    double tb = 0.0, te = 0.0;
    nlohmann::json jg = nlohmann::json::array();
    for (const Gemm& x : gs) {
      tb += x.openblas_s;
      te += x.eigen_s;
      jg.push_back({{"product", x.name},
                    {"shape", x.shape},
                    {"openblas_ms", x.openblas_s * 1e3},
                    {"openblas_gflops", x.flops / x.openblas_s * 1e-9},
                    {"eigen_ms", x.eigen_s * 1e3},
                    {"eigen_gflops", x.flops / x.eigen_s * 1e-9}});
    }
    j["gemm"] = jg;
    // The three products back to back: 6mqn flops over the sum of the three times.
    j["openblas_ms"] = tb * 1e3;
    j["openblas_gflops"] = flops / tb * 1e-9;
    j["eigen_ms"] = te * 1e3;
    j["eigen_gflops"] = flops / te * 1e-9;
    j["pct_of_openblas"] = 100.0 * tb / step_s;  // = step_gflops / openblas_gflops
    j["pct_of_eigen"] = 100.0 * te / step_s;
  }
  j["openblas_core"] = openblas_get_corename();
  j["openblas_config"] = openblas_get_config();
  j["openblas_threads"] = openblas_get_num_threads();
  j["core_products"] = core_products_backend();
  j["kernels"] = core::kernel_isa();
  // The Eigen reference products above are compiled in this file, for the build's base level.
  j["eigen_reference_simd"] = Eigen::SimdInstructionSetsInUse();
  j["git_rev"] = SYMSWEEP_GIT_REV;
  return j;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"symsweep step-time benchmark (one thread): one JSON line per case"};
  CaseOptions o{{"S", "L"}};
  bool no_gemm = false;
  add_case_options(app, o);
  app.add_flag("--no-gemm,--no-sgemm", no_gemm, "skip the matrix-multiply reference rates");
  CLI11_PARSE(app, argc, argv);

  core::set_blas_threads(1);  // core's BLAS, when it has one (SYMSWEEP_USE_BLAS)
  openblas_set_num_threads(1);  // the reference sgemm
  try {
    for (const Case& c : selected_cases(o)) {
      std::cout << run_case(c, o.reps, o.seed, !no_gemm).dump() << std::endl;
    }
  } catch (const std::exception& e) {
    std::cerr << "bench_step: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
