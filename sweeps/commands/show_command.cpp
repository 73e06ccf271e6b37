#include "commands/show_command.hpp"

#include <fmt/core.h>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "symsweep/core/error.hpp"
#include "symsweep/core/fields.hpp"
#include "commands/cli.hpp"
#include "commands/output.hpp"
#include "store/queries.hpp"
#include "store/store.hpp"

namespace symsweep::sweeps {

namespace {

using ojson = nlohmann::ordered_json;
using Fields = std::vector<std::pair<std::string, SqlValue>>;

/// The columns of a run that define its configuration (what `show` lists as config): the task's
/// and every training setting's (core/fields.hpp), so a setting added later is listed there too.
const std::set<std::string> kConfigColumns = [] {
  std::set<std::string> c = {"group_spec", "group_order",   "abelian", "data_fraction",
                             "augment",    "augment_order", "est_cost"};
  const core::TrainConfig any;
  core::visit_train_settings([&](const char* name, bool, const auto&) { c.insert(name); }, any);
  return c;
}();

/// Where and how a run was computed.
const std::set<std::string> kProvenanceColumns = {"version",     "git_rev",     "host",
                                                  "ranks",       "mpi_library", "started_at",
                                                  "finished_at", "wall_seconds", "kernels"};

/// Identity columns: shown in the heading, not in a section.
const std::set<std::string> kIdentityColumns = {"id", "sweep_id", "config_hash", "config_json"};


void print_fields(const std::string& title, const Fields& fields) {
  fmt::print("{}\n", title);
  std::size_t width = 0;
  for (const auto& [name, value] : fields) width = std::max(width, name.size());
  for (const auto& [name, value] : fields) {
    fmt::print("  {:<{}}  {}\n", name, width, table_cell(value));
  }
}

ojson fields_json(const Fields& fields) {
  ojson obj = ojson::object();
  for (const auto& [name, value] : fields) obj[name] = json_value(value);
  return obj;
}

/// A REAL column's value as a number (an INTEGER one too), if it is one.
std::optional<double> number(const SqlValue& v) {
  if (const auto* d = std::get_if<double>(&v)) return *d;
  if (const auto* i = std::get_if<std::int64_t>(&v)) return static_cast<double>(*i);
  return std::nullopt;
}

}  // namespace

std::int64_t resolve_run(ResultsReader& reader, const std::string& spec, std::string_view command) {
  if (spec.empty()) throw InputError(fmt::format("{}: RUN is required (a run id or a config_hash prefix)", command));
  const bool digits =
      std::all_of(spec.begin(), spec.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (digits && spec.size() <= 18) {
    const auto id = static_cast<std::int64_t>(std::stoll(spec));
    if (reader.has_run(id)) return id;
  }
  std::string prefix = spec;
  std::transform(prefix.begin(), prefix.end(), prefix.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (!std::all_of(prefix.begin(), prefix.end(),
                   [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); })) {
    throw InputError(fmt::format(
        "{}: RUN \"{}\": expected a run id or a config_hash prefix (hex digits)", command, spec));
  }
  const std::vector<std::int64_t> ids = reader.runs_with_hash_prefix(prefix, 2);
  if (ids.empty()) {
    throw InputError(
        fmt::format("{}: RUN \"{}\": no run with that id or config_hash prefix", command, spec));
  }
  if (ids.size() > 1) {
    throw InputError(
        fmt::format("{}: RUN \"{}\": the config_hash prefix matches {} runs; give more digits",
                    command, spec, reader.count_hash_prefix(prefix)));
  }
  return ids.front();
}

int show_run(const ShowOptions& opts) {
  const OutputFormat format = parse_output_format("show", "--format", opts.format,
                                                  {OutputFormat::kTable, OutputFormat::kJson});
  ResultsReader reader(opts.db, "show", "--db");
  const std::int64_t id = resolve_run(reader, opts.run, "show");
  const RunRecord run = reader.run(id);

  Fields config, final_values, provenance;
  std::string hash;
  for (const auto& [name, value] : run.columns) {
    if (const auto* text = std::get_if<std::string>(&value); name == "config_hash" && text) {
      hash = *text;
    }
    if (kIdentityColumns.contains(name)) continue;
    if (const auto* file = std::get_if<std::string>(&value); name == "particles" && file) {
      // The saved particles by their path (docs/particles.md), and whether the file is there.
      const std::string path = particles_dir(opts.db) + "/" + *file;
      std::error_code ec;
      final_values.emplace_back(name, std::filesystem::exists(path, ec)
                                          ? SqlValue(path)
                                          : SqlValue(path + " (missing)"));
      continue;
    }
    Fields& section = kConfigColumns.contains(name)       ? config
                      : kProvenanceColumns.contains(name) ? provenance
                                                          : final_values;
    section.emplace_back(name, value);
  }
  // rho_kkk at the last step that logged it: k, re, im and |rho|.
  const std::vector<std::string> rho_columns = {"k", "re", "im", "|rho|"};
  std::vector<std::vector<SqlValue>> rho_rows;
  for (const auto& r : run.potentials.rows) {
    SqlValue abs;
    const auto re = number(r[1]), im = number(r[2]);
    if (re && im) abs = std::hypot(*re, *im);
    rho_rows.push_back({r[0], r[1], r[2], abs});
  }

  if (format == OutputFormat::kJson) {
    ojson j = ojson::object();
    j["id"] = id;
    j["config_hash"] = hash;
    j["sweeps"] = run.sweeps;
    j["config"] = fields_json(config);
    j["final"] = fields_json(final_values);
    j["provenance"] = fields_json(provenance);
    ojson points = ojson::array();
    for (const auto& row : run.curve.rows) {
      ojson p = ojson::object();
      for (std::size_t c = 0; c < row.size(); ++c) p[run.curve.columns[c]] = json_value(row[c]);
      points.push_back(std::move(p));
    }
    j["curve"] = std::move(points);
    ojson values = ojson::array();
    for (const auto& r : rho_rows) {
      values.push_back({{"k", json_value(r[0])},
                        {"re", json_value(r[1])},
                        {"im", json_value(r[2])},
                        {"abs", json_value(r[3])}});
    }
    j["rho_kkk"] = {{"step", run.potentials_step ? ojson(*run.potentials_step) : ojson()},
                    {"values", values}};
    fmt::print("{}\n", dump_json(j, 2));
    std::fflush(stdout);
    return kExitOk;
  }

  fmt::print("run {}  config_hash {}  sweep{} {}\n\n", id, hash, run.sweeps.size() == 1 ? "" : "s",
             run.sweeps.empty() ? "-" : fmt::format("{}", fmt::join(run.sweeps, ", ")));
  print_fields("config", config);
  fmt::print("\n");
  print_fields("final", final_values);
  fmt::print("\n");
  print_fields("provenance", provenance);
  fmt::print("\ncurve (metrics)\n");
  std::fflush(stdout);
  write_rows(run.curve.columns, run.curve.rows, *make_row_writer(OutputFormat::kTable, stdout));
  if (run.potentials_step) {
    fmt::print("\nrho_kkk at step {}\n", *run.potentials_step);
    write_rows(rho_columns, rho_rows, *make_row_writer(OutputFormat::kTable, stdout));
  } else {
    fmt::print("\nrho_kkk: none logged\n");
  }
  std::fflush(stdout);
  return kExitOk;
}

}  // namespace symsweep::sweeps
