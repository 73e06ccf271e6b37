#include "spec/limits.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "symsweep/core/error.hpp"

namespace symsweep::sweeps {

namespace {

std::string read_small_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return {};
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// A positive integer from the environment, else nullopt.
std::optional<int> env_int(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return std::nullopt;
  int out = 0;
  const char* end = v + std::char_traits<char>::length(v);
  const auto [ptr, ec] = std::from_chars(v, end, out);
  if (ec != std::errc() || ptr != end || out < 1) return std::nullopt;
  return out;
}

/// A cgroup limit file's value: bytes, or nullopt for "max" / absurdly large (v1's "no limit"
/// is 2^63 rounded down to a page) / unreadable.
std::optional<std::uint64_t> limit_file(const std::string& path) {
  std::string text = read_small_file(path);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  std::uint64_t v = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  if (v >= (std::uint64_t{1} << 62)) return std::nullopt;
  return v;
}

/// The smallest limit in `file` of the cgroup directory `root + path` and of its ancestors (up
/// to `root` itself, which is where a container sees its own cgroup).
std::optional<std::uint64_t> smallest_limit(const std::string& root, std::string path,
                                            const char* file) {
  std::optional<std::uint64_t> best;
  while (true) {
    const auto v = limit_file(root + path + "/" + file);
    if (v && (!best || *v < *best)) best = v;
    if (path.empty() || path == "/") break;
    const auto slash = path.rfind('/');
    path = slash == std::string::npos ? std::string() : path.substr(0, slash);
  }
  return best;
}

std::string rank_word(int n) { return n == 1 ? "rank" : "ranks"; }

/// "width 16777216 on cyclic:13"; with `full`, also the precision, optimizer and fraction.
std::string describe_run(const core::RunConfig& c, bool full) {
  std::string s = fmt::format("width {} on {}", c.train.width, c.group);
  if (full) {
    s += fmt::format(" ({}, {}, data_fraction {}{})", core::to_string(c.train.precision),
                     core::to_string(c.train.optimizer), c.data_fraction,
                     c.augment == "none" ? "" : ", augment " + c.augment);
  }
  return s;
}

std::string limit_text(std::uint64_t bytes, const std::string& source) {
  return fmt::format("the limit is {} ({}--max-memory to change)",
                     core::format_bytes(static_cast<double>(bytes)),
                     source.empty() ? "" : source + "; ");
}

std::string slow_text(const core::ResourceEstimate& e) {
  return fmt::format("about {} ({:.2g} flops at a nominal {:.0f} GFLOP/s per rank)",
                     core::format_seconds(e.measure_seconds), e.measure_flops,
                     core::kNominalFlopsPerSecond / 1e9);
}

}  // namespace

std::uint64_t parse_memory_size(const std::string& text, std::string_view flag) {
  auto fail = [&]() -> std::uint64_t {
    throw InputError(
        fmt::format("{} \"{}\": expected a size > 0 such as 512M, 4G, 1.5GiB or a number of bytes",
                    flag, text));
  };
  std::size_t i = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
  const std::size_t int_end = i;
  if (i < text.size() && text[i] == '.') {
    ++i;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
  }
  const std::string number = text.substr(0, i);
  if (int_end == 0 || number.back() == '.') return fail();
  std::string unit;
  for (char c : text.substr(i))
    unit += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (unit.size() > 1 && unit.back() == 'b') unit.pop_back();  // "gb", "gib"
  if (unit.size() > 1 && unit.back() == 'i') unit.pop_back();  // "gi"
  static const std::string kUnits = "kmgtp";
  double scale = 1.0;
  if (unit.empty() || unit == "b") {
    if (number.find('.') != std::string::npos) return fail();  // fractions of a byte
  } else if (unit.size() == 1 && kUnits.find(unit[0]) != std::string::npos) {
    scale = std::pow(1024.0, static_cast<double>(kUnits.find(unit[0]) + 1));
  } else {
    return fail();
  }
  const double bytes = std::floor(std::strtod(number.c_str(), nullptr) * scale);
  if (!(bytes >= 1.0) || bytes > 9.2e18) return fail();
  return static_cast<std::uint64_t>(bytes);
}

std::optional<std::uint64_t> mem_available(const std::string& meminfo) {
  std::istringstream in(meminfo);
  std::string key, unit;
  std::uint64_t value = 0;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream l(line);
    if (l >> key >> value && key == "MemAvailable:") {
      l >> unit;
      return unit == "kB" ? value * 1024 : value;
    }
  }
  return std::nullopt;
}

std::optional<std::uint64_t> cgroup_memory_limit() {
  std::optional<std::uint64_t> best;
  auto take = [&](std::optional<std::uint64_t> v) {
    if (v && (!best || *v < *best)) best = v;
  };
  std::istringstream in(read_small_file("/proc/self/cgroup"));
  std::string line;
  while (std::getline(in, line)) {
    // "ID:CONTROLLERS:PATH"; v2 has ID 0 and no controllers.
    const auto a = line.find(':');
    const auto b = a == std::string::npos ? a : line.find(':', a + 1);
    if (b == std::string::npos) continue;
    const std::string controllers = line.substr(a + 1, b - a - 1);
    std::string path = line.substr(b + 1);
    if (path == "/") path.clear();
    if (line.substr(0, a) == "0" && controllers.empty()) {
      take(smallest_limit("/sys/fs/cgroup", path, "memory.max"));
    } else if (("," + controllers + ",").find(",memory,") != std::string::npos) {
      take(smallest_limit("/sys/fs/cgroup/memory", path, "memory.limit_in_bytes"));
    }
  }
  return best;
}

int ranks_on_this_node() {
  for (const char* var : {"OMPI_COMM_WORLD_LOCAL_SIZE", "MPI_LOCALNRANKS", "PMIX_LOCAL_SIZE"}) {
    if (const auto v = env_int(var)) return *v;
  }
  return 1;
}

int launcher_world_size() {
  for (const char* var : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "SLURM_NTASKS"}) {
    if (const auto v = env_int(var)) return *v;
  }
  return 1;
}

MemoryLimit memory_limit(const std::string& max_memory_flag) {
  MemoryLimit limit;
  if (!max_memory_flag.empty()) {
    limit.bytes = parse_memory_size(max_memory_flag, "--max-memory");
    limit.source = "--max-memory";
    return limit;
  }
  std::uint64_t bytes = 0;
  std::string source;
  if (const auto avail = mem_available(read_small_file("/proc/meminfo"))) {
    bytes = *avail;
    source = "MemAvailable";
  }
  if (const auto cg = cgroup_memory_limit(); cg && (source.empty() || *cg < bytes)) {
    bytes = *cg;
    source = "cgroup memory.max";
  }
  if (source.empty()) {
    // Neither is known (not Linux?): no limit rather than a made-up one.
    limit.bytes = UINT64_MAX;
    limit.source = "no MemAvailable";
    return limit;
  }
  const int ranks = ranks_on_this_node();
  limit.bytes = bytes / static_cast<std::uint64_t>(ranks);
  limit.source = ranks == 1 ? source
                            : fmt::format("{} {} shared by {} ranks on this node", source,
                                          core::format_bytes(static_cast<double>(bytes)), ranks);
  return limit;
}

std::uint64_t memory_limit_bytes(const std::string& max_memory_flag) {
  return memory_limit(max_memory_flag).bytes;
}

std::vector<std::string> check_train_resources(const core::RunConfig& cfg,
                                               const core::TaskShape& task, int augment_order,
                                               int ranks, bool save_particles,
                                               const MemoryLimit& limit) {
  core::ExecutionShape exec;
  exec.ranks = ranks;
  exec.augment_order = augment_order;
  exec.save_particles = save_particles;
  const core::ResourceEstimate e = core::estimate_resources(task, cfg, exec);
  if (e.memory.peak > static_cast<double>(limit.bytes)) {
    throw InputError(
        fmt::format("train: {} needs about {} per {}{} ({}); {}", describe_run(cfg, false),
                    core::format_bytes(e.memory.peak), rank_word(1),
                    ranks > 1 ? fmt::format(" with {} ranks", ranks) : "",
                    core::describe_memory(e.memory), limit_text(limit.bytes, limit.source)));
  }
  std::vector<std::string> warnings;
  if (e.measure_seconds > kSlowMeasurementSeconds) {
    warnings.push_back(fmt::format(
        "train: one logged measurement of {} takes {}; the run measures {:.0f} step{} "
        "(--log-every to change)",
        describe_run(cfg, false), slow_text(e), e.logged_steps, e.logged_steps == 1.0 ? "" : "s"));
  }
  return warnings;
}

std::vector<std::string> check_spec_resources(const SweepSpec& spec, int ranks_per_run,
                                              std::uint64_t limit_bytes,
                                              const std::string& limit_source) {
  // Every rank holds the expanded spec; a team caches the GroupContext of every group it trains.
  double other = static_cast<double>(spec.text.size());
  for (const PlannedRun& r : spec.runs) {
    other += 600.0 + static_cast<double>(r.config_json.size() + r.config_hash.size());
  }
  double tasks = 0.0;
  std::map<std::string, core::TaskShape> shapes = spec.tasks;
  for (const PlannedRun& r : spec.runs) {
    if (!shapes.count(r.config.group)) {
      shapes.emplace(r.config.group, core::task_shape(core::make_group(r.config.group)));
    }
  }
  for (const auto& [group, shape] : shapes) tasks += core::task_bytes(shape);

  core::ExecutionShape exec;
  exec.ranks = std::max(ranks_per_run, 1);
  exec.checkpoints = spec.checkpoint_every_steps > 0 || spec.checkpoint_every_seconds > 0.0;
  exec.save_particles = spec.save_particles;
  const PlannedRun* worst = nullptr;
  const PlannedRun* slowest = nullptr;
  core::ResourceEstimate worst_e, slowest_e;
  std::int64_t slow_runs = 0;
  for (const PlannedRun& r : spec.runs) {
    const core::TaskShape& shape = shapes.at(r.config.group);
    exec.augment_order = r.augment_order;
    exec.other_bytes = other + tasks - core::task_bytes(shape);
    const core::ResourceEstimate e = core::estimate_resources(shape, r.config, exec);
    if (worst == nullptr || e.memory.peak > worst_e.memory.peak) {
      worst = &r;
      worst_e = e;
    }
    if (e.measure_seconds > kSlowMeasurementSeconds) {
      ++slow_runs;
      if (slowest == nullptr || e.measure_seconds > slowest_e.measure_seconds) {
        slowest = &r;
        slowest_e = e;
      }
    }
  }
  if (worst != nullptr && worst_e.memory.peak > static_cast<double>(limit_bytes)) {
    throw InputError(
        fmt::format("{}: the largest run, {}, needs about {} per rank with {} {} per run ({}); {}",
                    spec.path, describe_run(worst->config, true),
                    core::format_bytes(worst_e.memory.peak), exec.ranks, rank_word(exec.ranks),
                    core::describe_memory(worst_e.memory), limit_text(limit_bytes, limit_source)));
  }
  std::vector<std::string> warnings;
  if (slowest != nullptr) {
    warnings.push_back(fmt::format(
        "{}: one logged measurement of {} takes {}; {} of the {} runs log measurements over {:.0f} "
        "s ([train] log_every to change)",
        spec.path, describe_run(slowest->config, true), slow_text(slowest_e), slow_runs,
        spec.runs.size(), kSlowMeasurementSeconds));
  }
  return warnings;
}

}  // namespace symsweep::sweeps
