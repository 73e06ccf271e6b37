#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "store/queries.hpp"

namespace symsweep::sweeps {

/// `symsweep show --db FILE RUN [--format table|json]`.
struct ShowOptions {
  std::string db;
  std::string run;  ///< a run id (tried first) or a unique config_hash prefix
  std::string format = "table";
};

/// One run: config, final values, provenance, the logged curve and the last rho_kkk.
int show_run(const ShowOptions& opts);

/// The run RUN names: a run id (tried first) or a unique config_hash prefix; InputError
/// starting with `command` otherwise.
std::int64_t resolve_run(ResultsReader& reader, const std::string& spec, std::string_view command);

}  // namespace symsweep::sweeps
