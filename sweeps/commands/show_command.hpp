#pragma once

#include <string>

namespace symsweep::sweeps {

/// `symsweep show --db FILE RUN [--format table|json]`.
struct ShowOptions {
  std::string db;
  std::string run;  ///< a run id (tried first) or a unique config_hash prefix
  std::string format = "table";
};

/// One run: config, final values, provenance, the logged curve and the last rho_kkk.
int show_run(const ShowOptions& opts);

}  // namespace symsweep::sweeps
