// bench_peak: the single-core f32 FMA peak of this machine, one JSON line on stdout.
//
// Each kernel runs K independent multiply-add chains acc_i <- acc_i * x + y on registers (no
// loads or stores in the loop), K chosen to cover FMA latency x throughput with room to spare:
//   - AVX2 + FMA, 256-bit: 12 accumulators of 8 floats (16 ymm registers: 12 + x + y + spare);
//   - AVX-512F, 512-bit: 24 accumulators of 16 floats (32 zmm registers).
// Zen 5 and recent Intel cores issue 2 FMAs per cycle with a latency of 4-5 cycles, i.e. 8-10
// chains in flight; 12 and 24 cover that. One FMA of a w-float vector is 2w flops.
//
// Each kernel is compiled for its own ISA with __attribute__((target(...))), whatever -march the
// project builds with (x86-64-v3 or v4), and the AVX-512 one only runs when the CPU has it
// (__builtin_cpu_supports), otherwise its field is null. Reported: the median GFLOP/s over
// --reps repetitions of about --seconds each, after a warm-up of the same length (clock ramp-up,
// AVX-512 power licence). A benchmark, not a test: it never fails on slowness.
//
//   build/tests/bench/bench_peak [--reps 7] [--seconds 0.2] [--isa all|avx2|avx512]

#include <immintrin.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

constexpr int kAvx2Chains = 12;
constexpr int kAvx512Chains = 24;
constexpr int kAvx2Floats = 8;
constexpr int kAvx512Floats = 16;

// The chains converge to y / (1 - x) = 1: no overflow, no denormals, whatever the count.
constexpr float kX = 0.999999f;
constexpr float kY = 1e-6f;

/// `iters` rounds of kAvx2Chains independent 256-bit FMAs; returns a sum of the accumulators
/// so that nothing is optimised away.
__attribute__((target("avx2,fma"), noinline)) float fma_avx2(std::int64_t iters) {
  const __m256 x = _mm256_set1_ps(kX);
  const __m256 y = _mm256_set1_ps(kY);
  __m256 a0 = _mm256_set1_ps(0.0f), a1 = _mm256_set1_ps(0.1f), a2 = _mm256_set1_ps(0.2f),
         a3 = _mm256_set1_ps(0.3f), a4 = _mm256_set1_ps(0.4f), a5 = _mm256_set1_ps(0.5f),
         a6 = _mm256_set1_ps(0.6f), a7 = _mm256_set1_ps(0.7f), a8 = _mm256_set1_ps(0.8f),
         a9 = _mm256_set1_ps(0.9f), a10 = _mm256_set1_ps(1.0f), a11 = _mm256_set1_ps(1.1f);
  for (std::int64_t i = 0; i < iters; ++i) {
    a0 = _mm256_fmadd_ps(a0, x, y);
    a1 = _mm256_fmadd_ps(a1, x, y);
    a2 = _mm256_fmadd_ps(a2, x, y);
    a3 = _mm256_fmadd_ps(a3, x, y);
    a4 = _mm256_fmadd_ps(a4, x, y);
    a5 = _mm256_fmadd_ps(a5, x, y);
    a6 = _mm256_fmadd_ps(a6, x, y);
    a7 = _mm256_fmadd_ps(a7, x, y);
    a8 = _mm256_fmadd_ps(a8, x, y);
    a9 = _mm256_fmadd_ps(a9, x, y);
    a10 = _mm256_fmadd_ps(a10, x, y);
    a11 = _mm256_fmadd_ps(a11, x, y);
  }
  __m256 s = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)),
                           _mm256_add_ps(_mm256_add_ps(a4, a5), _mm256_add_ps(a6, a7)));
  s = _mm256_add_ps(s, _mm256_add_ps(_mm256_add_ps(a8, a9), _mm256_add_ps(a10, a11)));
  alignas(32) float out[kAvx2Floats];
  _mm256_store_ps(out, s);
  float sum = 0.0f;
  for (float v : out) sum += v;
  return sum;
}

/// `iters` rounds of kAvx512Chains independent 512-bit FMAs.
__attribute__((target("avx512f"), noinline)) float fma_avx512(std::int64_t iters) {
  const __m512 x = _mm512_set1_ps(kX);
  const __m512 y = _mm512_set1_ps(kY);
  __m512 a0 = _mm512_set1_ps(0.00f), a1 = _mm512_set1_ps(0.04f), a2 = _mm512_set1_ps(0.08f),
         a3 = _mm512_set1_ps(0.12f), a4 = _mm512_set1_ps(0.16f), a5 = _mm512_set1_ps(0.20f),
         a6 = _mm512_set1_ps(0.24f), a7 = _mm512_set1_ps(0.28f), a8 = _mm512_set1_ps(0.32f),
         a9 = _mm512_set1_ps(0.36f), a10 = _mm512_set1_ps(0.40f), a11 = _mm512_set1_ps(0.44f),
         a12 = _mm512_set1_ps(0.48f), a13 = _mm512_set1_ps(0.52f), a14 = _mm512_set1_ps(0.56f),
         a15 = _mm512_set1_ps(0.60f), a16 = _mm512_set1_ps(0.64f), a17 = _mm512_set1_ps(0.68f),
         a18 = _mm512_set1_ps(0.72f), a19 = _mm512_set1_ps(0.76f), a20 = _mm512_set1_ps(0.80f),
         a21 = _mm512_set1_ps(0.84f), a22 = _mm512_set1_ps(0.88f), a23 = _mm512_set1_ps(0.92f);
  for (std::int64_t i = 0; i < iters; ++i) {
    a0 = _mm512_fmadd_ps(a0, x, y);
    a1 = _mm512_fmadd_ps(a1, x, y);
    a2 = _mm512_fmadd_ps(a2, x, y);
    a3 = _mm512_fmadd_ps(a3, x, y);
    a4 = _mm512_fmadd_ps(a4, x, y);
    a5 = _mm512_fmadd_ps(a5, x, y);
    a6 = _mm512_fmadd_ps(a6, x, y);
    a7 = _mm512_fmadd_ps(a7, x, y);
    a8 = _mm512_fmadd_ps(a8, x, y);
    a9 = _mm512_fmadd_ps(a9, x, y);
    a10 = _mm512_fmadd_ps(a10, x, y);
    a11 = _mm512_fmadd_ps(a11, x, y);
    a12 = _mm512_fmadd_ps(a12, x, y);
    a13 = _mm512_fmadd_ps(a13, x, y);
    a14 = _mm512_fmadd_ps(a14, x, y);
    a15 = _mm512_fmadd_ps(a15, x, y);
    a16 = _mm512_fmadd_ps(a16, x, y);
    a17 = _mm512_fmadd_ps(a17, x, y);
    a18 = _mm512_fmadd_ps(a18, x, y);
    a19 = _mm512_fmadd_ps(a19, x, y);
    a20 = _mm512_fmadd_ps(a20, x, y);
    a21 = _mm512_fmadd_ps(a21, x, y);
    a22 = _mm512_fmadd_ps(a22, x, y);
    a23 = _mm512_fmadd_ps(a23, x, y);
  }
  const __m512 s0 = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3)),
                                  _mm512_add_ps(_mm512_add_ps(a4, a5), _mm512_add_ps(a6, a7)));
  const __m512 s1 = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(a8, a9), _mm512_add_ps(a10, a11)),
                                  _mm512_add_ps(_mm512_add_ps(a12, a13), _mm512_add_ps(a14, a15)));
  const __m512 s2 =
      _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(a16, a17), _mm512_add_ps(a18, a19)),
                    _mm512_add_ps(_mm512_add_ps(a20, a21), _mm512_add_ps(a22, a23)));
  // Not _mm512_reduce_add_ps: GCC 12 warns (-Wuninitialized) inside its header.
  alignas(64) float out[kAvx512Floats];
  _mm512_store_ps(out, _mm512_add_ps(_mm512_add_ps(s0, s1), s2));
  float sum = 0.0f;
  for (float v : out) sum += v;
  return sum;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t m = v.size() / 2;
  return v.size() % 2 ? v[m] : 0.5 * (v[m - 1] + v[m]);
}

/// The CPU's model name from /proc/cpuinfo ("" when there is none).
std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      const auto colon = line.find(':');
      if (colon == std::string::npos) break;
      const auto start = line.find_first_not_of(" \t", colon + 1);
      return start == std::string::npos ? "" : line.substr(start);
    }
  }
  return "";
}

volatile float g_sink = 0.0f;  // keeps every kernel's result alive

/// GFLOP/s of `kernel` (flops_per_iter flops per loop iteration): a calibration, a warm-up of
/// about `seconds`, then `reps` timed calls of about `seconds` each; per-rep values in `reps_out`.
template <typename Kernel>
double measure(Kernel kernel, double flops_per_iter, int reps, double seconds,
               std::vector<double>& reps_out) {
  auto time_call = [&](std::int64_t iters) {
    const auto t0 = Clock::now();
    g_sink = g_sink + kernel(iters);
    return std::chrono::duration<double>(Clock::now() - t0).count();
  };
  std::int64_t iters = 1 << 16;
  double t = time_call(iters);
  while (t < 0.02) {  // calibrate: at least 20 ms per call
    iters *= 4;
    t = time_call(iters);
  }
  iters = std::max<std::int64_t>(1, static_cast<std::int64_t>(static_cast<double>(iters) * seconds / t));
  time_call(iters);  // warm-up
  reps_out.clear();
  for (int r = 0; r < reps; ++r) {
    reps_out.push_back(flops_per_iter * static_cast<double>(iters) / time_call(iters) * 1e-9);
  }
  return median(reps_out);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"single-core f32 FMA peak (register-blocked FMA chains): one JSON line"};
  int reps = 7;
  double seconds = 0.2;
  std::string isa = "all";
  app.add_option("--reps", reps, "repetitions (the median is reported)")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  app.add_option("--seconds", seconds, "approximate seconds per repetition")
      ->check(CLI::Range(0.001, 60.0))
      ->capture_default_str();
  app.add_option("--isa", isa, "which kernels: all, avx2 or avx512")
      ->check(CLI::IsMember({"all", "avx2", "avx512"}))
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  __builtin_cpu_init();
  const bool has_avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  const bool has_avx512 = __builtin_cpu_supports("avx512f");

  nlohmann::json j;
  j["bench"] = "peak";
  j["cpu"] = cpu_model();
  j["cpu_avx2_fma"] = has_avx2;
  j["cpu_avx512f"] = has_avx512;
  j["reps"] = reps;
  j["seconds_per_rep"] = seconds;
  j["avx2_fma_gflops"] = nullptr;
  j["avx512_fma_gflops"] = nullptr;
  std::vector<double> per_rep;
  if (has_avx2 && isa != "avx512") {
    std::cerr << "bench_peak: AVX2+FMA, " << kAvx2Chains << " chains of 256 bits\n";
    j["avx2_fma_gflops"] =
        measure(fma_avx2, 2.0 * kAvx2Chains * kAvx2Floats, reps, seconds, per_rep);
    j["avx2_fma_gflops_reps"] = per_rep;
    j["avx2_chains"] = kAvx2Chains;
  }
  if (has_avx512 && isa != "avx2") {
    std::cerr << "bench_peak: AVX-512F, " << kAvx512Chains << " chains of 512 bits\n";
    j["avx512_fma_gflops"] =
        measure(fma_avx512, 2.0 * kAvx512Chains * kAvx512Floats, reps, seconds, per_rep);
    j["avx512_fma_gflops_reps"] = per_rep;
    j["avx512_chains"] = kAvx512Chains;
  }
  j["git_rev"] = SYMSWEEP_GIT_REV;
  std::cout << j.dump() << std::endl;
  return 0;
}
