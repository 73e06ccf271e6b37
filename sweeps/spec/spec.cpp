#include "spec/spec.hpp"

#include <fmt/core.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string_view>
#include <type_traits>
#include <toml++/toml.h>

#include "symsweep/core/error.hpp"
#include "symsweep/core/fields.hpp"
#include "symsweep/core/gap.hpp"

namespace symsweep::sweeps {

namespace {

/// Errors name the file, the line, the table and the key.
class Reporter {
 public:
  explicit Reporter(std::string path) : path_(std::move(path)) {}
  [[noreturn]] void fail(const toml::node* node, const std::string& where,
                         const std::string& what) const {
    const auto line = node != nullptr ? node->source().begin.line : 0;
    throw InputError(line > 0 ? fmt::format("{}:{}: {}: {}", path_, line, where, what)
                              : fmt::format("{}: {}: {}", path_, where, what));
  }

 private:
  std::string path_;
};

std::string type_name(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a number";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::array:
      return "a list";
    case toml::node_type::table:
      return "a table";
    default:
      return "a date/time";
  }
}

enum class Kind { kString, kInteger, kNumber };

/// One scalar value of an axis (kept as double / int / string).
struct Value {
  std::string s;
  std::int64_t i = 0;
  double d = 0.0;
  const toml::node* node = nullptr;  ///< where it was written (a range's [a, b, k] for ranges)
};

/// The message for a grid or axis larger than the limit on the number of runs.
std::string over_limit(std::int64_t max_runs) {
  return fmt::format("the limit is {} (--max-runs to change)", max_runs);
}

/// The integer toml++ could not store, from its message ("Error while parsing decimal integer:
/// '18446744073709551616' is not representable in 64 bits", without the sign, which is looked
/// up on line `line` of `text`), else nullopt.
std::optional<std::string> unrepresentable_integer(std::string_view what, std::string_view text,
                                                   std::size_t line) {
  if (what.find("not representable in 64 bits") == std::string_view::npos) return std::nullopt;
  const auto open = what.find('\'');
  const auto close = open == std::string_view::npos ? open : what.find('\'', open + 1);
  if (close == std::string_view::npos) return std::nullopt;
  const std::string digits(what.substr(open + 1, close - open - 1));
  std::size_t start = 0;
  for (std::size_t l = 1; l < line && start != std::string_view::npos; ++l) {
    start = text.find('\n', start);
    if (start != std::string_view::npos) ++start;
  }
  const std::string_view row = start == std::string_view::npos
                                   ? std::string_view()
                                   : text.substr(start, text.find('\n', start) - start);
  const bool negative = row.find("-" + digits) != std::string_view::npos;
  return (negative ? "-" : "") + digits;
}

/// a * b, or nullopt when it overflows int64 (both >= 0).
std::optional<std::int64_t> checked_product(std::int64_t a, std::int64_t b) {
  std::int64_t out = 0;
  if (__builtin_mul_overflow(a, b, &out)) return std::nullopt;
  return out;
}

Value scalar(const Reporter& rep, const toml::node& n, Kind kind, const std::string& where) {
  Value v;
  v.node = &n;
  switch (kind) {
    case Kind::kString:
      if (!n.is_string()) rep.fail(&n, where, "expected a string, got " + type_name(n));
      v.s = *n.value<std::string>();
      break;
    case Kind::kInteger:
      if (!n.is_integer()) rep.fail(&n, where, "expected an integer, got " + type_name(n));
      v.i = *n.value<std::int64_t>();
      v.d = static_cast<double>(v.i);
      break;
    case Kind::kNumber:
      if (!n.is_number()) rep.fail(&n, where, "expected a number, got " + type_name(n));
      v.d = *n.value<double>();
      if (!std::isfinite(v.d)) rep.fail(&n, where, "expected a finite number");
      break;
  }
  return v;
}

/// A group axis by structure: {smallgroups = [24, ...]} or {smallgroups = {from = 16, to = 32}}
/// selects every group of those orders in GAP's small-group library, `abelian = true|false`
/// only the abelian or the non-abelian ones. Each selected group is a gap:SmallGroup(n,i)
/// value; `shown` gets one line per order listing them.
std::vector<Value> group_selection(const Reporter& rep, const toml::node& n,
                                   const std::string& where, std::vector<std::string>& shown) {
  const toml::table& t = *n.as_table();
  std::vector<std::int64_t> orders;
  std::optional<bool> abelian;
  for (auto&& [k, v] : t) {
    const std::string key(k.str());
    if (key == "abelian") {
      if (!v.is_boolean()) rep.fail(&v, where + ".abelian", "expected true or false");
      abelian = *v.value<bool>();
    } else if (key == "smallgroups") {
      if (const toml::array* a = v.as_array()) {
        for (const toml::node& e : *a) {
          if (!e.is_integer()) rep.fail(&e, where + ".smallgroups", "expected group orders");
          orders.push_back(*e.value<std::int64_t>());
        }
      } else if (const toml::table* r = v.as_table()) {
        const auto from = (*r)["from"].value<std::int64_t>();
        const auto to = (*r)["to"].value<std::int64_t>();
        if (!from || !to || r->size() != 2) {
          rep.fail(&v, where + ".smallgroups", "expected {from = N, to = M}, orders N..M");
        }
        if (*to - *from > 4096) rep.fail(&v, where + ".smallgroups", "range too long");
        for (std::int64_t o = *from; o <= *to; ++o) orders.push_back(o);
      } else {
        rep.fail(&v, where + ".smallgroups",
                 "expected a list of orders or {from = N, to = M}");
      }
    } else {
      rep.fail(&v, where,
               "unknown key \"" + key + "\" (expected smallgroups and optionally abelian)");
    }
  }
  if (orders.empty()) {
    rep.fail(&n, where,
             "expected a list of values or {smallgroups = [orders], abelian = true|false}");
  }
  std::vector<Value> out;
  for (std::int64_t order : orders) {
    if (order < 1 || order > 4096) {
      rep.fail(&n, where + ".smallgroups", fmt::format("order {} is outside 1..4096", order));
    }
    std::vector<core::SmallGroupInfo> groups;
    try {
      groups = core::small_groups(static_cast<int>(order), true);
    } catch (const InputError& e) {
      rep.fail(&n, where, e.what());
    }
    std::vector<std::string> names;
    for (const core::SmallGroupInfo& g : groups) {
      if (abelian && g.abelian != *abelian) continue;
      Value v;
      v.s = g.spec();
      v.node = &n;
      out.push_back(std::move(v));
      names.push_back(fmt::format("{} {}", g.index, g.structure));
    }
    shown.push_back(fmt::format("{}: order {}: {} of {} groups{}: {}", where, order, names.size(),
                                groups.size(),
                                abelian ? (*abelian ? " (abelian)" : " (non-abelian)") : "",
                                names.empty() ? "none" : fmt::format("{}", fmt::join(names, ", "))));
  }
  if (out.empty()) rep.fail(&n, where, "selects no group");
  return out;
}

/// An axis: a list of scalars, a single scalar, or (numbers) {linspace|logspace = [a, b, k]}.
/// A range longer than `max_runs` is refused before any value is built.
std::vector<Value> axis(const Reporter& rep, const toml::node& n, Kind kind,
                        const std::string& where, std::int64_t max_runs) {
  std::vector<Value> out;
  if (const toml::array* arr = n.as_array()) {
    if (arr->empty()) rep.fail(&n, where, "empty axis (give at least one value)");
    for (const toml::node& e : *arr) out.push_back(scalar(rep, e, kind, where));
    return out;
  }
  if (const toml::table* t = n.as_table()) {
    if (kind != Kind::kNumber || t->size() != 1) {
      rep.fail(&n, where, "expected a list, or {linspace = [a, b, k]} / {logspace = [a, b, k]}");
    }
    const auto entry = *t->begin();  // a proxy pair of references into the table
    const std::string k(entry.first.str());
    const toml::node& spec = entry.second;
    if (k != "linspace" && k != "logspace") {
      rep.fail(&spec, where, "unknown range \"" + k + "\" (expected linspace or logspace)");
    }
    const toml::array* a = spec.as_array();
    if (a == nullptr || a->size() != 3 || !(*a)[0].is_number() || !(*a)[1].is_number() ||
        !(*a)[2].is_integer()) {
      rep.fail(&spec, where, k + " expects [first, last, count] with an integer count");
    }
    const double lo = *(*a)[0].value<double>(), hi = *(*a)[1].value<double>();
    const std::int64_t count = *(*a)[2].value<std::int64_t>();
    if (count < 1) rep.fail(&spec, where, fmt::format("{} count {} must be >= 1", k, count));
    if (count > max_runs) {
      rep.fail(&spec, where,
               fmt::format("{} count {} alone exceeds the number of runs allowed; {}", k, count,
                           over_limit(max_runs)));
    }
    if (k == "logspace" && !(lo > 0.0 && hi > 0.0)) {
      rep.fail(&spec, where, "logspace needs first and last > 0");
    }
    for (std::int64_t i = 0; i < count; ++i) {
      const double t01 = count == 1 ? 0.0 : static_cast<double>(i) / static_cast<double>(count - 1);
      Value v;
      v.node = &spec;
      v.d = k == "linspace" ? lo + t01 * (hi - lo)
                            : std::exp(std::log(lo) + t01 * (std::log(hi) - std::log(lo)));
      // Round to 12 significant digits so that the grid points are the values a user would
      // write by hand (0.30000000000000004 -> 0.3), and hashes match hand-written specs.
      v.d = std::stod(fmt::format("{:.12g}", v.d));
      out.push_back(v);
    }
    return out;
  }
  out.push_back(scalar(rep, n, kind, where));
  return out;
}

/// The settable keys and how each one goes into a RunConfig.
struct Key {
  Kind kind;
  std::function<void(core::RunConfig&, const Value&)> set;
};

/// The run keys of a spec in the order a block expands them: the grid-only axes, then every
/// training setting of core/fields.hpp but the seed (a spec's `seeds`), each parsed by its type.
struct KeyTable {
  std::map<std::string, Key> keys;
  std::vector<std::string> order;
  std::vector<std::string> train;  ///< the [train] keys, for messages
};

const KeyTable& key_table() {
  static const KeyTable table = [] {
    KeyTable t;
    auto add = [&t](const std::string& name, Key key) { t.keys.emplace(name, std::move(key)); };
    add("group", {Kind::kString, [](core::RunConfig& c, const Value& v) { c.group = v.s; }});
    add("augment", {Kind::kString, [](core::RunConfig& c, const Value& v) { c.augment = v.s; }});
    add("data_fraction",
        {Kind::kNumber, [](core::RunConfig& c, const Value& v) { c.data_fraction = v.d; }});
    const core::TrainConfig any;
    core::visit_train_settings(
        [&](const char* name, bool, const auto& field) {
          using F = std::remove_cvref_t<decltype(field)>;
          const std::string key = name;
          if (key == "seed") return;
          const Kind kind = core::SettingEnum<F> || std::is_same_v<F, std::string> ? Kind::kString
                            : std::is_same_v<F, double> ? Kind::kNumber
                                                        : Kind::kInteger;
          add(key, {kind, [key](core::RunConfig& c, const Value& v) {
                      core::visit_train_settings(
                          [&](const char* other, bool, auto& target) {
                            using T = std::remove_cvref_t<decltype(target)>;
                            if (key != other) return;
                            if constexpr (core::SettingEnum<T>) {
                              target = core::parse_setting<T>(v.s);
                            } else if constexpr (std::is_same_v<T, std::string>) {
                              target = v.s;
                            } else if constexpr (std::is_same_v<T, double>) {
                              target = v.d;
                            } else {
                              target = static_cast<T>(v.i);
                            }
                          },
                          c.train);
                    }});
          if (key != "width") t.train.push_back(key);
        },
        any);
    // The expansion order of the keys a spec had before the model settings (so that their
    // sweeps keep their run order), then the others in the order of fields.hpp.
    t.order = {"group", "augment",      "width",      "data_fraction", "optimizer", "precision",
               "lr",    "weight_decay", "init_scale", "steps",         "log_every", "potentials"};
    for (const std::string& k : t.train) {
      if (std::find(t.order.begin(), t.order.end(), k) == t.order.end()) t.order.push_back(k);
    }
    return t;
  }();
  return table;
}

const std::map<std::string, Key>& keys() { return key_table().keys; }

const std::set<std::string> kGridOnly = {"group", "augment", "data_fraction"};
const std::set<std::string> kSweepKeys = {"name",         "seeds",
                                          "ranks_per_run", "max_attempts",
                                          "skip_invalid", "checkpoint_every_steps",
                                          "checkpoint_every_seconds", "lease_seconds",
                                          "save_particles"};

/// The groups of a spec, each built once (by its spelling in the spec).
class GroupCache {
 public:
  /// Throws InputError on a bad spec.
  const core::Group& get(const std::string& spec) {
    auto it = groups_.find(spec);
    if (it == groups_.end()) it = groups_.emplace(spec, core::make_group(spec)).first;
    return it->second;
  }

 private:
  std::map<std::string, core::Group> groups_;
};

/// Checks one value of a key on its own (ranges), so the error can point at its line.
void check_value(const Reporter& rep, const toml::node* n, const std::string& where,
                 const std::string& key, const Value& v, GroupCache& groups) {
  if (key == "data_fraction" && !(v.d > 0.0 && v.d <= 1.0)) {
    rep.fail(n, where, fmt::format("{} is outside (0, 1]", v.d));
  }
  try {
    core::RunConfig c;
    keys().at(key).set(c, v);
    if (key == "group") {
      groups.get(v.s);
    } else if (key != "augment" && key != "data_fraction") {
      c.train.validate();
    }
  } catch (const InputError& e) {
    rep.fail(n, where, e.what());
  }
}

/// Refuses an axis that lists the same value twice (after canonicalisation: 0.1 and 0.10,
/// cyclic:07 and cyclic:7, none and order:1), naming the value at its second occurrence.
void check_distinct(const Reporter& rep, const std::string& where, const std::string& key,
                    Kind kind, const std::vector<Value>& values, GroupCache& groups) {
  std::map<std::string, const Value*> seen;
  for (const Value& v : values) {
    std::string canonical;
    std::string shown;  // the value as the message names it
    if (kind == Kind::kInteger) {
      canonical = shown = std::to_string(v.i);
    } else if (kind == Kind::kNumber) {
      canonical = shown = fmt::format("{}", v.d);
    } else {
      canonical = key == "group"                         ? groups.get(v.s).spec()
                  : key == "augment" && v.s == "order:1" ? std::string("none")
                                                         : v.s;
      shown = "\"" + v.s + "\"";
    }
    const auto [it, added] = seen.emplace(canonical, &v);
    if (added) continue;
    std::string what = fmt::format("the value {} appears twice", shown);
    if (kind == Kind::kString && it->second->s != v.s) {
      what = fmt::format(R"(the value "{}" appears twice (as "{}" and "{}": the same {}))",
                         canonical, it->second->s, v.s, key);
    }
    rep.fail(v.node, where, what);
  }
}

}  // namespace

SweepSpec load_spec(const std::string& path, const SpecLimits& limits) {
  std::ifstream in(path);
  if (!in) throw InputError("spec \"" + path + "\": cannot open");
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_spec(ss.str(), path, limits);
}

SweepSpec parse_spec(const std::string& text, const std::string& path, const SpecLimits& limits) {
  const Reporter rep(path);
  if (limits.max_runs < 1) {
    throw InputError(fmt::format("--max-runs {}: expected an integer >= 1", limits.max_runs));
  }
  toml::table root;
  try {
    root = toml::parse(text, path);
  } catch (const toml::parse_error& e) {
    if (const auto digits = unrepresentable_integer(e.description(), text, e.source().begin.line)) {
      throw InputError(
          fmt::format("{}:{}: the integer {} is out of range (TOML integers are {}..{})", path,
                      e.source().begin.line, *digits, std::numeric_limits<std::int64_t>::min(),
                      std::numeric_limits<std::int64_t>::max()));
    }
    throw InputError(fmt::format("{}:{}: TOML syntax error: {}", path, e.source().begin.line,
                                 e.description()));
  }
  GroupCache groups;
  SweepSpec spec;
  spec.path = path;
  spec.text = text;
  spec.hash = content_hash(text);

  for (auto&& [k, v] : root) {
    const std::string key(k.str());
    if (key != "sweep" && key != "grid" && key != "train") {
      rep.fail(&v, key, "unknown table or key (expected [sweep], [grid] and [train])");
    }
    const bool grid_blocks = key == "grid" && v.is_array_of_tables();
    if (!v.is_table() && !grid_blocks) {
      rep.fail(&v, key,
               key == "grid" ? "expected a table [grid] or tables [[grid]]"
                             : "expected a table [" + key + "]");
    }
  }
  const toml::table* sweep = root["sweep"].as_table();
  const toml::table* train = root["train"].as_table();
  if (sweep == nullptr) rep.fail(nullptr, "[sweep]", "missing (it needs at least name)");
  // The grid: one table, or several [[grid]] blocks whose grids are joined.
  std::vector<std::pair<const toml::table*, std::string>> grids;
  if (const toml::table* g = root["grid"].as_table()) {
    grids.emplace_back(g, "grid");
  } else if (const toml::array* blocks = root["grid"].as_array()) {
    for (std::size_t b = 0; b < blocks->size(); ++b) {
      grids.emplace_back(blocks->get(b)->as_table(), fmt::format("grid #{}", b + 1));
    }
  }
  if (grids.empty()) rep.fail(nullptr, "[grid]", "missing (it needs at least group)");

  // [sweep]
  for (auto&& [k, v] : *sweep) {
    if (!kSweepKeys.count(std::string(k.str()))) {
      rep.fail(&v, "[sweep] " + std::string(k.str()),
               "unknown key (expected name, seeds, ranks_per_run, max_attempts, skip_invalid, "
               "checkpoint_every_steps, checkpoint_every_seconds, lease_seconds, "
               "save_particles)");
    }
  }
  const toml::node* name = sweep->get("name");
  if (name == nullptr) rep.fail(sweep, "[sweep] name", "missing");
  spec.name = scalar(rep, *name, Kind::kString, "[sweep] name").s;
  if (spec.name.empty()) rep.fail(name, "[sweep] name", "must not be empty");
  if (const toml::node* n = sweep->get("seeds")) {
    if (n->is_integer()) {
      const std::int64_t count = *n->value<std::int64_t>();
      if (count < 1) {
        rep.fail(n, "[sweep] seeds", fmt::format("a count must be >= 1, got {}", count));
      }
      if (count > limits.max_runs) {
        rep.fail(n, "[sweep] seeds",
                 fmt::format("{} seeds alone exceed the number of runs allowed; {}", count,
                             over_limit(limits.max_runs)));
      }
      for (std::int64_t s = 0; s < count; ++s) spec.seeds.push_back(static_cast<std::uint64_t>(s));
    } else {
      if (!n->is_array()) {
        rep.fail(n, "[sweep] seeds", "expected a list of seeds or a count, got " + type_name(*n));
      }
      const std::vector<Value> seeds =
          axis(rep, *n, Kind::kInteger, "[sweep] seeds", limits.max_runs);
      for (const Value& v : seeds) {
        if (v.i < 0) {
          rep.fail(v.node, "[sweep] seeds",
                   fmt::format("seed {} is negative (expected an integer in 0..{})", v.i,
                               std::numeric_limits<std::int64_t>::max()));
        }
        spec.seeds.push_back(static_cast<std::uint64_t>(v.i));
      }
      check_distinct(rep, "[sweep] seeds", "seeds", Kind::kInteger, seeds, groups);
    }
  } else {
    spec.seeds = {0};
  }
  if (const toml::node* n = sweep->get("ranks_per_run")) {
    const Value v = scalar(rep, *n, Kind::kInteger, "[sweep] ranks_per_run");
    if (v.i < 1 || v.i > 4096) rep.fail(n, "[sweep] ranks_per_run", "expected 1..4096");
    spec.ranks_per_run = static_cast<int>(v.i);
  }
  if (const toml::node* n = sweep->get("max_attempts")) {
    const Value v = scalar(rep, *n, Kind::kInteger, "[sweep] max_attempts");
    if (v.i < 1 || v.i > 1000) rep.fail(n, "[sweep] max_attempts", "expected 1..1000");
    spec.max_attempts = static_cast<int>(v.i);
  }
  if (const toml::node* n = sweep->get("checkpoint_every_steps")) {
    const Value v = scalar(rep, *n, Kind::kInteger, "[sweep] checkpoint_every_steps");
    if (v.i < 0) rep.fail(n, "[sweep] checkpoint_every_steps", "expected >= 0 (0: off)");
    spec.checkpoint_every_steps = v.i;
  }
  if (const toml::node* n = sweep->get("checkpoint_every_seconds")) {
    const Value v = scalar(rep, *n, Kind::kNumber, "[sweep] checkpoint_every_seconds");
    if (v.d < 0.0) rep.fail(n, "[sweep] checkpoint_every_seconds", "expected >= 0 (0: off)");
    spec.checkpoint_every_seconds = v.d;
  }
  if (const toml::node* n = sweep->get("lease_seconds")) {
    const Value v = scalar(rep, *n, Kind::kNumber, "[sweep] lease_seconds");
    if (!(v.d >= 1.0 && v.d <= 86400.0)) {
      rep.fail(n, "[sweep] lease_seconds", "expected 1..86400 seconds");
    }
    spec.lease_seconds = v.d;
  }
  if (const toml::node* n = sweep->get("skip_invalid")) {
    if (!n->is_boolean()) rep.fail(n, "[sweep] skip_invalid", "expected true or false");
    spec.skip_invalid = *n->value<bool>();
  }
  if (const toml::node* n = sweep->get("save_particles")) {
    if (!n->is_boolean()) {
      rep.fail(n, "[sweep] save_particles", "expected true or false, got " + type_name(*n));
    }
    spec.save_particles = *n->value<bool>();
  }

  // [grid] and [train]: the axes of each grid block, in a fixed order so the run order is
  // stable. [train] holds for every block.
  struct Block {
    const toml::table* table = nullptr;
    std::string label;  ///< "grid" or "grid #2": messages name "[grid] key" or "[grid #2] key"
    std::map<std::string, std::vector<Value>> axes;
    std::map<std::string, const toml::node*> where_of;
    std::vector<std::string> order;
    std::int64_t runs = 0;  ///< its points x seeds
  };
  std::vector<Block> blocks;
  std::optional<std::int64_t> runs = 0;  // all blocks' runs together, before expanding
  std::vector<std::string> sizes;        // each block's "factor x factor" for the message
  for (const auto& named : grids) {
    // Named, not a structured binding: the lambda below captures them.
    const toml::table* grid = named.first;
    const std::string& label = named.second;
    Block blk;
    blk.table = grid;
    blk.label = label;
    auto read_table = [&](const toml::table* t, const std::string& table) {
      if (t == nullptr) return;
      for (auto&& [k, v] : *t) {
        const std::string key(k.str());
        const std::string where = "[" + table + "] " + key;
        if (!keys().count(key)) {
          rep.fail(&v, where,
                   table != "train"
                       ? "unknown axis (expected group, width, data_fraction, augment or a "
                         "[train] key)"
                       : fmt::format("unknown key (expected width, {})",
                                     fmt::join(key_table().train, ", ")));
        }
        if (table == "train" && kGridOnly.count(key)) {
          rep.fail(&v, where, "is a grid axis: put it under [grid]");
        }
        if (blk.axes.count(key)) rep.fail(&v, where, "given in both [" + label + "] and [train]");
        if (table == "train" && v.is_array()) {
          rep.fail(&v, where, "a fixed setting takes one value; to sweep it, put it under [grid]");
        }
        const Kind kind = keys().at(key).kind;
        std::vector<Value> values;
        const toml::array* list = v.as_array();
        if (key == "group" && (v.is_table() || (list != nullptr && list->size() > 0 &&
                                                 std::any_of(list->begin(), list->end(),
                                                             [](const toml::node& e) {
                                                               return e.is_table();
                                                             })))) {
          // Groups by structure, alone or in a list among group specs.
          auto add = [&](const toml::node& e) {
            std::vector<Value> more = e.is_table()
                                          ? group_selection(rep, e, where, spec.group_selections)
                                          : std::vector<Value>{scalar(rep, e, kind, where)};
            values.insert(values.end(), more.begin(), more.end());
          };
          if (list != nullptr) {
            for (const toml::node& e : *list) add(e);
          } else {
            add(v);
          }
        } else {
          values = axis(rep, v, kind, where, limits.max_runs);
        }
        for (const Value& val : values) check_value(rep, val.node, where, key, val, groups);
        check_distinct(rep, where, key, kind, values, groups);
        blk.axes[key] = std::move(values);
        blk.where_of[key] = &v;
      }
    };
    read_table(grid, label);
    read_table(train, "train");
    if (!blk.axes.count("group")) {
      rep.fail(grid, "[" + label + "] group", "missing (e.g. group = [\"cyclic:23\"])");
    }
    if (!blk.axes.count("data_fraction")) {
      rep.fail(grid, "[" + label + "] data_fraction", "missing (e.g. data_fraction = [0.3, 0.5])");
    }
    // Its size first, without expanding it (and without overflowing).
    for (const std::string& k : key_table().order) {
      if (blk.axes.count(k)) blk.order.push_back(k);
    }
    std::optional<std::int64_t> block_runs = static_cast<std::int64_t>(spec.seeds.size());
    std::vector<std::string> factors;
    for (const std::string& k : blk.order) {
      const auto size = static_cast<std::int64_t>(blk.axes[k].size());
      if (block_runs) block_runs = checked_product(*block_runs, size);
      if (size > 1) factors.push_back(fmt::format("{} {}", k, size));
    }
    factors.push_back(
        fmt::format("{} seed{}", spec.seeds.size(), spec.seeds.size() == 1 ? "" : "s"));
    sizes.push_back(fmt::format("{}", fmt::join(factors, " x ")));
    if (runs && block_runs) {
      std::int64_t sum = 0;
      runs = __builtin_add_overflow(*runs, *block_runs, &sum) ? std::nullopt
                                                              : std::optional<std::int64_t>(sum);
    } else {
      runs = std::nullopt;
    }
    if (!runs || *runs > limits.max_runs) {
      rep.fail(nullptr, grids.size() == 1 ? "[grid]" : "[[grid]]",
               fmt::format("the grid has {} runs ({}); {}",
                           runs ? std::to_string(*runs)
                                : fmt::format("more than {}",
                                              std::numeric_limits<std::int64_t>::max()),
                           fmt::join(sizes, " + "), over_limit(limits.max_runs)));
    }
    blk.runs = block_runs.value_or(0);
    blocks.push_back(std::move(blk));
  }

  // Expand each block: the odometer over its axes (the last key fastest), then seeds. A point
  // in two blocks is one run, at its first place.
  std::set<std::string> seen;
  for (Block& blk : blocks) {
    const auto total = static_cast<std::size_t>(blk.runs) / spec.seeds.size();
    for (std::size_t point = 0; point < total; ++point) {
      core::RunConfig c;
      for (std::size_t a = blk.order.size(), rest = point; a-- > 0;) {
        const auto& values = blk.axes[blk.order[a]];
        keys().at(blk.order[a]).set(c, values[rest % values.size()]);
        rest /= values.size();
      }
      const core::Group& group = groups.get(c.group);
      int augment_order = 1;
      try {
        augment_order = static_cast<int>(core::make_subgroup(group, c.augment).size());
      } catch (const InputError& e) {
        if (!spec.skip_invalid) {
          rep.fail(blk.where_of.count("augment") ? blk.where_of["augment"] : blk.table,
                   "[" + blk.label + "] augment",
                   std::string(e.what()) +
                       " (set skip_invalid = true in [sweep] to skip such grid points)");
        }
        std::string w =
            fmt::format("skipped {} with augment {}: {}", c.group, c.augment, e.what());
        if (std::find(spec.warnings.begin(), spec.warnings.end(), w) == spec.warnings.end()) {
          spec.warnings.push_back(std::move(w));
        }
        continue;
      }
      // The grid point's settings together (each value was checked on its own above), and a
      // partial task's frequencies against its group.
      try {
        c.train.validate();
        if (!c.train.target_frequencies.empty()) {
          core::group_frequency_list(group, c.train.target_frequencies);
        }
      } catch (const InputError& e) {
        rep.fail(blk.where_of.count("target_frequencies") ? blk.where_of["target_frequencies"]
                                                          : blk.table,
                 "[" + blk.label + "]", e.what());
      }
      // Canonical spellings, so that equal configurations hash equally.
      c.group = group.spec();
      // One shape per group (its character degrees are computed once); a run with
      // potentials = full builds the irreps of a group beyond GroupContext::kMaxIrrepOrder.
      const bool any_order = c.train.potentials == core::Potentials::kFull;
      if (auto it = spec.tasks.find(group.spec()); it == spec.tasks.end()) {
        spec.tasks.emplace(group.spec(), core::task_shape(group, any_order));
      } else if (any_order && it->second.mp == core::MpKind::kNone) {
        it->second = core::task_shape(group, true);
      }
      if (augment_order == 1) c.augment = "none";
      for (std::uint64_t seed : spec.seeds) {
        PlannedRun r;
        r.config = c;
        r.config.train.seed = seed;
        r.group_order = group.order();
        r.abelian = group.is_abelian();
        r.augment_order = augment_order;
        r.config_json = canonical_config_json(r.config);
        r.config_hash = content_hash(r.config_json);
        r.cost = core::estimated_cost(r.config, r.group_order);
        if (seen.insert(r.config_hash).second) spec.runs.push_back(std::move(r));
      }
    }
  }
  if (spec.runs.empty()) {
    rep.fail(grids.front().first, "[grid]", "every grid point was skipped: nothing to run");
  }
  return spec;
}

}  // namespace symsweep::sweeps
