#pragma once
// Which build of core's hot kernels this process runs (docs/kernels.md).

#include <string>
#include <vector>

namespace symsweep::core {

/// The environment variable that forces a level: auto (the default), x86-64-v3 or x86-64-v4.
inline constexpr const char* kIsaVariable = "SYMSWEEP_ISA";

/// The instruction-set level of the kernels this process runs, e.g. "x86-64-v4" (AVX-512) or
/// "x86-64-v3" (AVX2, FMA) in the default portable build, or the -march value of a build with
/// SYMSWEEP_ARCH=native (or another value). Chosen once, at the first call: the level named by
/// SYMSWEEP_ISA, else the widest level this binary has and this CPU runs. Throws InputError,
/// at every call, for a SYMSWEEP_ISA this binary or this CPU cannot honour.
const char* kernel_isa();

/// The levels this binary has kernels for, narrowest first.
std::vector<std::string> kernel_isas();

/// Whether this CPU (and its operating system) can run kernels of `isa`: x86-64-v3 is tested as
/// AVX2, FMA, BMI1 and BMI2 (F16C, LZCNT and MOVBE come with them on every such CPU), x86-64-v4
/// adds AVX512F/BW/CD/DQ/VL. A non-portable build's own level counts as runnable (the build
/// host's).
bool cpu_runs_isa(const std::string& isa);

}  // namespace symsweep::core
