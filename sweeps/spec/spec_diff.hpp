#pragma once

#include <string>
#include <vector>

namespace symsweep::sweeps {

/// The settings of a sweep spec that decide its runs, one "[table] key = value" line each in a
/// fixed order: comments, layout, key order and the execution settings (ranks_per_run,
/// max_attempts, checkpoint_every_*, lease_seconds, save_particles) do not appear. A text that is not valid
/// TOML gives its lines as they are.
std::vector<std::string> result_settings(const std::string& spec_text);

/// The lines of result_settings only in `before` ("- line") and only in `after` ("+ line"),
/// or nothing when the two specs define the same runs.
std::vector<std::string> settings_diff(const std::string& before, const std::string& after);

}  // namespace symsweep::sweeps
