#include "symsweep/core/isa.hpp"

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

bool runs(const KernelTable& t) {
#ifdef SYMSWEEP_KERNELS_PORTABLE
  __builtin_cpu_init();
  if (std::strcmp(t.isa, "x86-64-v4") == 0) return __builtin_cpu_supports("x86-64-v4") != 0;
  if (std::strcmp(t.isa, "x86-64-v3") == 0) return __builtin_cpu_supports("x86-64-v3") != 0;
  return false;
#else
  (void)t;
  return true;
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
    for (auto it = tables.rbegin(); it != tables.rend(); ++it) {
      if (runs(**it)) return {*it, ""};
    }
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
#ifdef SYMSWEEP_KERNELS_PORTABLE
  __builtin_cpu_init();
  if (isa == "x86-64-v4") return __builtin_cpu_supports("x86-64-v4") != 0;
  if (isa == "x86-64-v3") return __builtin_cpu_supports("x86-64-v3") != 0;
#endif
  return false;
}

}  // namespace symsweep::core
