#pragma once

// A run's identity: the canonical JSON of its config and the hash of that text. The hash names
// a run in the store, in its checkpoint and across merged databases.

#include <string>

#include "symsweep/core/run.hpp"

namespace symsweep::sweeps {

/// A run of a sweep's grid, as planned before it is trained.
struct PlannedRun {
  std::string config_hash;
  std::string config_json;  ///< canonical JSON of the config (what the hash is of)
  core::RunConfig config;
  int group_order = 0;
  bool abelian = false;
  int augment_order = 1;
  double cost = 0.0;
};

/// Canonical JSON of a run config: fixed key order, numbers in shortest round-trip form, so the
/// same value written as 0.1 or 0.10 (keys in any order) gives the same text.
std::string canonical_config_json(const core::RunConfig& cfg);
/// 128-bit hash (32 hex digits) of a text.
std::string content_hash(const std::string& text);
}  // namespace symsweep::sweeps
