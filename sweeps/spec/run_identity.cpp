#include "spec/run_identity.hpp"

#include <fmt/format.h>

#include <cstdint>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>

#include "symsweep/core/fields.hpp"
#include "symsweep/core/gap.hpp"

namespace symsweep::sweeps {
namespace {

/// A number in its shortest round-trip form.
std::string shortest(double v) { return fmt::format("{}", v); }

// One training setting as JSON text.
std::string json_value(std::int64_t v) { return fmt::format("{}", v); }
std::string json_value(std::uint64_t v) { return fmt::format("{}", v); }
std::string json_value(double v) { return shortest(v); }
std::string json_value(const std::string& v) { return nlohmann::json(v).dump(); }
template <core::SettingEnum E>
std::string json_value(E v) {
  return fmt::format("\"{}\"", core::to_string(v));
}

}  // namespace

std::string canonical_config_json(const core::RunConfig& c) {
  std::string settings;
  const core::TrainConfig defaults;
  core::visit_train_settings(
      [&](const char* name, bool hashed_at_default, const auto& value, const auto& fallback) {
        if (hashed_at_default || value != fallback) {
          settings += fmt::format(R"(,"{}":{})", name, json_value(value));
        }
      },
      c.train, defaults);
  // A group GAP gave is named by its expression and by the table GAP answered with, so a
  // different GAP (or library) giving another table for the same expression is another run.
  std::string table;
  if (c.group.starts_with("gap:")) {
    // Hashed once per group (a table of order 4096 is some 80 MB of text), not once per run;
    // a process never sees two answers for one group (remember_gap_answers refuses that).
    static std::mutex mutex;
    static std::map<std::string, std::string> hashes;
    const std::lock_guard lock(mutex);
    auto it = hashes.find(c.group);
    if (it == hashes.end()) {
      it = hashes.emplace(c.group, content_hash(core::gap_group_text(c.group.substr(4)))).first;
    }
    table = fmt::format(R"(,"group_table":"{}")", it->second);
  }
  return fmt::format(R"({{"group":{}{},"data_fraction":{},"augment":{}{}}})",
                     nlohmann::json(c.group).dump(), table, shortest(c.data_fraction),
                     nlohmann::json(c.augment).dump(), settings);
}

std::string content_hash(const std::string& text) {
  // Two independent 64-bit FNV-1a streams, each finished with a SplitMix64 mix.
  std::uint64_t h1 = 0xcbf29ce484222325ULL, h2 = 0x84222325cbf29ce4ULL;
  for (unsigned char ch : text) {
    h1 = (h1 ^ ch) * 0x100000001b3ULL;
    h2 = (h2 ^ (ch + 0x5bU)) * 0x100000001b3ULL;
  }
  auto mix = [](std::uint64_t x) {
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
  };
  return fmt::format("{:016x}{:016x}", mix(h1), mix(h2 ^ h1));
}

}  // namespace symsweep::sweeps
