#pragma once

#include <string>

namespace symsweep::sweeps {

/// `symsweep status --db FILE [--json]`.
struct StatusOptions {
  std::string db;
  bool json = false;
};

/// Per sweep: counts by status, an ETA while runs are running, the last errors of failed runs;
/// and the jobs (alive, dead or ended) that ran on the database.
int show_status(const StatusOptions& opts);

}  // namespace symsweep::sweeps
