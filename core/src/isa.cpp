#include "symsweep/core/isa.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string>

#include "kernels/kernels.hpp"
#include "symsweep/core/error.hpp"

// One table per level built (core/CMakeLists.txt): SYMSWEEP_KERNELS_PORTABLE builds x86-64-v3
// and x86-64-v4, any other build one level, "native".
#ifdef SYMSWEEP_KERNELS_PORTABLE
extern "C" const symsweep::core::KernelTable* symsweep_kernels_isa_v3();
extern "C" const symsweep::core::KernelTable* symsweep_kernels_isa_v4();
#else
extern "C" const symsweep::core::KernelTable* symsweep_kernels_isa_native();
#endif

namespace symsweep::core {
namespace {

/// Narrowest first.
std::vector<const KernelTable*> built_tables() {
#ifdef SYMSWEEP_KERNELS_PORTABLE
  return {symsweep_kernels_isa_v3(), symsweep_kernels_isa_v4()};
#else
  return {symsweep_kernels_isa_native()};
#endif
}

/// Whether the CPU and its operating system run a level, by the features that set it apart
/// (GCC's and Clang's __builtin_cpu_supports test the OS's XSAVE state too). x86-64-v3's F16C,
/// LZCNT and MOVBE come with AVX2, FMA and BMI2 on every CPU that has these (Haswell, Zen).
bool cpu_runs(const std::string& isa) {
  __builtin_cpu_init();
  const bool v3 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
                  __builtin_cpu_supports("bmi") && __builtin_cpu_supports("bmi2");
  if (isa == "x86-64-v3") return v3;
  if (isa == "x86-64-v4") {
    return v3 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512cd") && __builtin_cpu_supports("avx512dq") &&
           __builtin_cpu_supports("avx512vl");
  }
  return false;
}

bool runs(const KernelTable& t) {
#ifdef SYMSWEEP_KERNELS_PORTABLE
  return cpu_runs(t.isa);
#else
  (void)t;
  return true;  // a build for one target: the build host's level
#endif
}

std::string levels_list() {
  std::string s;
  for (const KernelTable* t : built_tables()) s += std::string(s.empty() ? "" : ", ") + t->isa;
  return s;
}

/// The table to run, or the reason there is none.
struct Choice {
  const KernelTable* table = nullptr;
  std::string error;
};

Choice choose() {
  const char* env = std::getenv(kIsaVariable);
  const std::string want = env == nullptr ? "auto" : env;
  const std::vector<const KernelTable*> tables = built_tables();
  if (want.empty() || want == "auto") {
    const auto widest = std::find_if(tables.rbegin(), tables.rend(),
                                     [](const KernelTable* t) { return runs(*t); });
    if (widest != tables.rend()) return {*widest, ""};
    return {nullptr, "this CPU cannot run any level of this binary's kernels (" + levels_list() +
                         "): the portable build needs an x86-64-v3 CPU (AVX2, FMA)"};
  }
  for (const KernelTable* t : tables) {
    if (want != t->isa) continue;
    if (!runs(*t)) {
      return {nullptr, std::string(kIsaVariable) + "=" + want +
                           ": this CPU cannot run " + want + " instructions"};
    }
    return {t, ""};
  }
  return {nullptr, std::string(kIsaVariable) + "=" + want + ": expected auto or one of this " +
                       "binary's levels (" + levels_list() + ")"};
}

const Choice& chosen() {
  static const Choice c = choose();
  return c;
}

}  // namespace

const KernelTable& kernels() {
  const Choice& c = chosen();
  if (c.table == nullptr) throw InputError(c.error);
  return *c.table;
}

const KernelTable* kernel_table_for(const char* isa) {
  for (const KernelTable* t : built_tables()) {
    if (std::strcmp(t->isa, isa) == 0) return runs(*t) ? t : nullptr;
  }
  return nullptr;
}

const char* kernel_isa() { return kernels().isa; }

std::vector<std::string> kernel_isas() {
  std::vector<std::string> out;
  for (const KernelTable* t : built_tables()) out.emplace_back(t->isa);
  return out;
}

bool cpu_runs_isa(const std::string& isa) {
  for (const KernelTable* t : built_tables()) {
    if (isa == t->isa) return runs(*t);
  }
  return cpu_runs(isa);
}

}  // namespace symsweep::core
