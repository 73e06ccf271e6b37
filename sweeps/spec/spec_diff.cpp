#include "spec/spec_diff.hpp"

#include <algorithm>
#include <set>
#include <sstream>
#include <toml++/toml.h>

namespace symsweep::sweeps {

namespace {

// [sweep] keys that change how a sweep runs, not which runs it has or what they compute.
const std::set<std::string> kExecutionKeys = {"ranks_per_run", "max_attempts",
                                              "checkpoint_every_steps",
                                              "checkpoint_every_seconds", "lease_seconds",
                                              "save_particles"};

std::string printed(const toml::node& n) {
  std::ostringstream out;
  n.visit([&](const auto& v) { out << v; });
  std::string s = out.str();
  std::replace(s.begin(), s.end(), '\n', ' ');
  return s;
}

}  // namespace

std::vector<std::string> result_settings(const std::string& spec_text) {
  std::vector<std::string> lines;
  try {
    const toml::table root = toml::parse(spec_text);
    for (const auto& [table_key, node] : root) {
      const std::string table(table_key.str());
      const toml::table* t = node.as_table();
      if (t == nullptr) {
        lines.push_back(table + " = " + printed(node));
        continue;
      }
      for (const auto& [key_, value] : *t) {
        const std::string key(key_.str());
        if (table == "sweep" && kExecutionKeys.count(key)) continue;
        lines.push_back("[" + table + "] " + key + " = " + printed(value));
      }
    }
  } catch (const toml::parse_error&) {
    std::istringstream in(spec_text);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
  }
  std::sort(lines.begin(), lines.end());
  return lines;
}

std::vector<std::string> settings_diff(const std::string& before, const std::string& after) {
  const std::vector<std::string> a = result_settings(before), b = result_settings(after);
  std::vector<std::string> out;
  for (const std::string& line : a) {
    if (!std::binary_search(b.begin(), b.end(), line)) out.push_back("- " + line);
  }
  for (const std::string& line : b) {
    if (!std::binary_search(a.begin(), a.end(), line)) out.push_back("+ " + line);
  }
  return out;
}

}  // namespace symsweep::sweeps
