#include "symsweep/core/gap.hpp"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <optional>
#include <sstream>

#include "symsweep/core/error.hpp"

extern char** environ;

namespace symsweep::core {
namespace {

/// The largest order a gap: group may have (make_group's limit).
constexpr int kMaxGapOrder = 4096;

struct Answers {
  std::mutex mutex;
  std::map<std::string, std::string> known;
  std::string cache_dir;
  bool cache_dir_set = false;
  int invocations = 0;
};

Answers& answers() {
  static Answers a;
  return a;
}

std::string default_cache_dir() {
  if (const char* d = std::getenv("SYMSWEEP_GAP_CACHE")) return d;
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x != nullptr && *x != '\0') {
    return std::string(x) + "/symsweep/gap";
  }
  if (const char* h = std::getenv("HOME"); h != nullptr && *h != '\0') {
    return std::string(h) + "/.cache/symsweep/gap";
  }
  return "";
}

/// The cache file of a question: its text made file-name safe, plus a hash of the exact text
/// (two questions could map to one safe name; the file's first line names its question, so a
/// clash is only a miss).
std::string cache_file(const std::string& dir, const std::string& question) {
  std::string name;
  for (char c : question) name += std::isalnum(static_cast<unsigned char>(c)) != 0 ? c : '_';
  if (name.size() > 80) name.resize(80);
  return dir + "/" + name + "-" + std::to_string(std::hash<std::string>{}(question) % 1000003) +
         ".txt";
}

std::optional<std::string> read_cache(const std::string& dir, const std::string& question) {
  if (dir.empty()) return std::nullopt;
  std::ifstream in(cache_file(dir, question));
  if (!in) return std::nullopt;
  std::string first;
  if (!std::getline(in, first) || first != "# " + question) return std::nullopt;
  std::stringstream rest;
  rest << in.rdbuf();
  return rest.str();
}

/// Writes the cache file whole or not at all (a temporary file renamed over it); a cache that
/// cannot be written is only slower next time, so failures are silent.
void write_cache(const std::string& dir, const std::string& question, const std::string& text) {
  if (dir.empty()) return;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  const std::string path = cache_file(dir, question);
  const std::string tmp = path + ".tmp" + std::to_string(::getpid());
  {
    std::ofstream out(tmp);
    out << "# " << question << "\n" << text;
    if (!out.flush()) {
      std::filesystem::remove(tmp, ec);
      return;
    }
  }
  std::filesystem::rename(tmp, path, ec);
  if (ec) std::filesystem::remove(tmp, ec);
}

double gap_timeout_seconds() {
  if (const char* t = std::getenv("SYMSWEEP_GAP_TIMEOUT")) {
    char* end = nullptr;
    const double v = std::strtod(t, &end);
    if (end != t && *end == '\0' && v > 0.0) return v;
    throw InputError(std::string("SYMSWEEP_GAP_TIMEOUT=") + t + ": expected seconds > 0");
  }
  return 600.0;
}

struct GapOutput {
  std::string out, err;
  int status = 0;
  bool timed_out = false;
};

/// Runs GAP on `program` (given on its standard input) with a timeout; `who` names the question
/// in errors.
GapOutput run_gap(const std::string& program, const std::string& who) {
  const char* env = std::getenv("SYMSWEEP_GAP");
  const std::string exe = env != nullptr && *env != '\0' ? env : "gap";
  const double timeout = gap_timeout_seconds();
  int in_pipe[2], out_pipe[2], err_pipe[2];
  if (pipe2(in_pipe, O_CLOEXEC) != 0 || pipe2(out_pipe, O_CLOEXEC) != 0 ||
      pipe2(err_pipe, O_CLOEXEC) != 0) {
    throw Error(who + ": cannot create pipes for GAP: " + std::strerror(errno));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in_pipe[0], 0);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
  std::vector<std::string> args = {exe, "-q", "-b", "--quitonbreak"};
  std::vector<char*> argv;
  argv.reserve(args.size() + 1);
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int spawned = posix_spawnp(&pid, exe.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(in_pipe[0]);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  if (spawned != 0) {
    ::close(in_pipe[1]);
    ::close(out_pipe[0]);
    ::close(err_pipe[0]);
    throw InputError(who + ": needs GAP, and \"" + exe + "\" cannot be started (" +
                     std::strerror(spawned) +
                     "); install it (Debian: apt-get install gap-core gap-libs gap-smallgrp, as "
                     "deploy/install-deps.sh does) or set SYMSWEEP_GAP to its path");
  }
  {
    std::lock_guard lock(answers().mutex);
    ++answers().invocations;
  }
  // The program is small: written whole before reading (GAP reads it all before answering).
  std::size_t written = 0;
  const struct sigaction ignore = {};
  struct sigaction old = {};
  struct sigaction quiet = ignore;
  quiet.sa_handler = SIG_IGN;
  sigaction(SIGPIPE, &quiet, &old);
  while (written < program.size()) {
    const ssize_t w = ::write(in_pipe[1], program.data() + written, program.size() - written);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) break;  // GAP ended early: its output says why
    written += static_cast<std::size_t>(w);
  }
  sigaction(SIGPIPE, &old, nullptr);
  ::close(in_pipe[1]);

  GapOutput result;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout);
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  std::string* sinks[2] = {&result.out, &result.err};
  int open = 2;
  char buf[65536];
  while (open > 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      result.timed_out = true;
      break;
    }
    const int ready = ::poll(fds, 2, static_cast<int>(std::min<long long>(left.count(), 1000)));
    if (ready < 0 && errno != EINTR) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      const ssize_t r = ::read(fds[i].fd, buf, sizeof buf);
      if (r > 0) {
        sinks[i]->append(buf, static_cast<std::size_t>(r));
      } else if (r == 0 || errno != EINTR) {
        ::close(fds[i].fd);
        fds[i].fd = -1;
        --open;
      }
    }
  }
  if (result.timed_out) ::kill(pid, SIGKILL);
  for (pollfd& f : fds) {
    if (f.fd >= 0) ::close(f.fd);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.status = status;
  if (result.timed_out) {
    std::ostringstream limit;
    limit << timeout;
    throw InputError(who + ": GAP gave no answer within " + limit.str() +
                     " s (SYMSWEEP_GAP_TIMEOUT sets the limit)");
  }
  return result;
}

/// GAP's answer between the program's "symsweep-begin" and "symsweep-end" lines, or the error
/// (ours, "symsweep-error: ...", or GAP's first "Error, ..." / "Syntax error" line).
std::string answer_of(const GapOutput& g, const std::string& who) {
  auto first_line_with = [](const std::string& text, std::string_view prefix) {
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
      if (line.starts_with(prefix)) return line;
    }
    return std::string();
  };
  if (std::string e = first_line_with(g.out, "symsweep-error: "); !e.empty()) {
    throw InputError(who + ": " + e.substr(16));
  }
  for (std::string_view prefix : {"Syntax error", "Error, "}) {
    if (std::string e = first_line_with(g.err, prefix); !e.empty()) {
      if (e.starts_with("Error, ")) e = e.substr(7);
      throw InputError(who + ": GAP: " + e);
    }
  }
  const std::size_t begin = g.out.find("symsweep-begin\n");
  const std::size_t end = g.out.find("symsweep-end\n");
  if (begin == std::string::npos || end == std::string::npos || end < begin) {
    std::string why = first_line_with(g.err, "");
    throw InputError(who + ": GAP ended (status " + std::to_string(WEXITSTATUS(g.status)) +
                     ") without an answer" + (why.empty() ? "" : ": " + why));
  }
  return g.out.substr(begin + 15, end - begin - 15);
}

/// The answer to `question` from memory or the cache directory (then remembered), if any.
std::optional<std::string> known_answer(const std::string& question,
                                        const std::function<void(const std::string&)>& check) {
  std::string dir;
  {
    std::lock_guard lock(answers().mutex);
    if (auto it = answers().known.find(question); it != answers().known.end()) return it->second;
    dir = answers().cache_dir_set ? answers().cache_dir : default_cache_dir();
  }
  std::optional<std::string> text = read_cache(dir, question);
  if (!text) return std::nullopt;
  try {
    check(*text);
  } catch (const InputError&) {
    return std::nullopt;  // a damaged cache file: ask again
  }
  std::lock_guard lock(answers().mutex);
  return answers().known.emplace(question, *text).first->second;
}

/// Remembers GAP's new answer (checked) in memory and in the cache directory.
std::string learn(const std::string& question, const std::string& text,
                  const std::function<void(const std::string&)>& check) {
  check(text);
  write_cache(gap_cache_dir(), question, text);
  std::lock_guard lock(answers().mutex);
  return answers().known.emplace(question, text).first->second;
}

/// The answer to `question`: from memory, the cache directory, or `ask` (GAP), remembered.
std::string answer(const std::string& question, const std::function<std::string()>& ask,
                   const std::function<void(const std::string&)>& check) {
  if (std::optional<std::string> text = known_answer(question, check)) return *text;
  return learn(question, ask(), check);
}

/// The program's preamble: no line breaks in printed output, answers between markers.
constexpr std::string_view kPreamble = "SetPrintFormattingStatus(\"*stdout*\", false);;\n";

/// A GAP function printing a group's answer (between markers): the order, the element names
/// (GAP's printed form without blanks, the identity "e" where GAP prints "<identity> of ..."),
/// the Cayley table over GAP's sorted element list with the identity moved first.
constexpr std::string_view kTableFunction = R"GAP(symsweep_table := function(G)
  local s, n, id, ord, ix, k, a, name;
  s := AsSSortedList(G);; n := Length(s);; id := Position(s, One(G));;
  ord := Concatenation([id], Filtered([1..n], i -> i <> id));;
  ix := ListWithIdenticalEntries(n, 0);;
  for k in [1..n] do ix[ord[k]] := k - 1; od;
  name := function(x) local t; t := Filtered(PrintString(x), c -> not c in " \n\t\\");
    if StartsWith(t, "<identity>") then return "e"; fi; return t; end;;
  Print("symsweep-begin\n", "order ", n, "\n", "names");
  for k in ord do Print("\t", name(s[k])); od;
  Print("\n");
  for k in ord do
    a := s[k];;
    Print(JoinStringsWithSeparator(List(ord, j -> String(ix[PositionSorted(s, a * s[j])])), " "),
          "\n");
  od;
  Print("symsweep-end\n");
end;;
)GAP";

std::string group_program(const std::string& expression) {
  std::string p(kPreamble);
  p += kTableFunction;
  p += "G := " + expression + ";;\n";
  const std::string max = std::to_string(kMaxGapOrder);
  p += R"GAP(if not IsGroup(G) then Print("symsweep-error: not a group\n"); QuitGap(3); fi;
if not IsFinite(G) then Print("symsweep-error: not a finite group\n"); QuitGap(3); fi;
if Size(G) > )GAP" +
       max + R"GAP( then
  Print("symsweep-error: order ", Size(G), " exceeds the maximum )GAP" +
       max +
       R"GAP(\n"); QuitGap(3);
fi;
)GAP";
  p += "symsweep_table(G);\n";
  return p;
}

/// Every group of an order's tables in one GAP run, each answer after a "symsweep-question"
/// line (GAP's start-up costs more than most tables).
std::string small_group_tables_program(int order) {
  std::string p(kPreamble);
  p += kTableFunction;
  p += "n := " + std::to_string(order) + ";;\n";
  p += R"GAP(for i in [1 .. NrSmallGroups(n)] do
  Print("symsweep-question group gap:SmallGroup(", n, ",", i, ")\n");
  symsweep_table(SmallGroup(n, i));
od;
)GAP";
  return p;
}

std::string small_groups_program(int order) {
  std::string p(kPreamble);
  p += "n := " + std::to_string(order) + ";;\n";
  p += R"GAP(if not SmallGroupsAvailable(n) then
  Print("symsweep-error: GAP's small-group library does not cover order ", n, "\n"); QuitGap(3);
fi;
Print("symsweep-begin\n", "groups ", NrSmallGroups(n), "\n");
for i in [1 .. NrSmallGroups(n)] do
  G := SmallGroup(n, i);;
  d := Concatenation(List(CharacterDegrees(G), p -> ListWithIdenticalEntries(p[2], p[1])));;
  Print(i, "\t", IsAbelian(G), "\t", StructureDescription(G), "\t",
        JoinStringsWithSeparator(List(d, String), ","), "\n");
od;
Print("symsweep-end\n");
)GAP";
  return p;
}

/// Parses a group answer: "order N", "names\t...", N rows of N indices.
Group parse_group(const std::string& spec, const std::string& text) {
  const std::string who = "group \"" + spec + "\"";
  std::istringstream in(text);
  std::string word, line;
  int n = 0;
  if (!(in >> word >> n) || word != "order" || n < 1 || n > kMaxGapOrder) {
    throw InputError(who + ": GAP's answer has no order line");
  }
  std::getline(in, line);
  std::getline(in, line);
  std::vector<std::string> names;
  std::istringstream name_fields(line);
  std::string field;
  std::getline(name_fields, field, '\t');
  if (field != "names") throw InputError(who + ": GAP's answer has no names line");
  while (std::getline(name_fields, field, '\t')) names.push_back(field);
  std::vector<int> table(static_cast<std::size_t>(n) * static_cast<std::size_t>(n));
  for (int& x : table) {
    if (!(in >> x) || x < 0 || x >= n) throw InputError(who + ": GAP's table is incomplete");
  }
  if (static_cast<int>(names.size()) != n) {
    throw InputError(who + ": GAP gave " + std::to_string(names.size()) + " names for order " +
                     std::to_string(n));
  }
  return {spec, n, std::move(table), std::move(names)};
}

std::vector<SmallGroupInfo> parse_small_groups(int order, const std::string& text) {
  const std::string who = "groups of order " + std::to_string(order);
  std::istringstream in(text);
  std::string line, word;
  int count = -1;
  if (!std::getline(in, line) || !(std::istringstream(line) >> word >> count) || word != "groups" ||
      count < 0) {
    throw InputError(who + ": GAP's answer has no count line");
  }
  std::vector<SmallGroupInfo> groups;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string index, abelian, structure, degrees;
    if (!std::getline(fields, index, '\t') || !std::getline(fields, abelian, '\t') ||
        !std::getline(fields, structure, '\t') || !std::getline(fields, degrees)) {
      throw InputError(who + ": GAP's answer has a malformed line: " + line);
    }
    SmallGroupInfo g;
    g.order = order;
    g.index = std::atoi(index.c_str());
    g.abelian = abelian == "true";
    g.structure = structure;
    std::istringstream ds(degrees);
    std::string d;
    while (std::getline(ds, d, ',')) g.degrees.push_back(std::atoi(d.c_str()));
    if (g.index != static_cast<int>(groups.size()) + 1 || g.degrees.empty()) {
      throw InputError(who + ": GAP's answer has a malformed line: " + line);
    }
    groups.push_back(std::move(g));
  }
  if (static_cast<int>(groups.size()) != count) {
    throw InputError(who + ": GAP listed " + std::to_string(groups.size()) + " of " +
                     std::to_string(count) + " groups");
  }
  return groups;
}

}  // namespace

std::string canonical_gap_expression(std::string_view expression) {
  std::string e;
  for (char c : expression) {
    if (std::isspace(static_cast<unsigned char>(c)) == 0) e += c;
  }
  const std::string who = "group \"gap:" + std::string(expression) + "\"";
  if (e.empty()) {
    throw InputError(who + ": expected gap:EXPR with a GAP expression, e.g. gap:SmallGroup(24,12)");
  }
  if (e.find(';') != std::string::npos) {
    throw InputError(who + ": expected one GAP expression (no ';')");
  }
  return e;
}

std::string gap_group_text(std::string_view expression) {
  const std::string e = canonical_gap_expression(expression);
  const std::string spec = "gap:" + e;
  const std::string who = "group \"" + spec + "\"";
  return answer(
      "group " + spec, [&] { return answer_of(run_gap(group_program(e), who), who); },
      [&](const std::string& text) { parse_group(spec, text); });
}

Group gap_group(std::string_view expression) {
  const std::string e = canonical_gap_expression(expression);
  return parse_group("gap:" + e, gap_group_text(e));
}

std::string SmallGroupInfo::spec() const {
  return "gap:SmallGroup(" + std::to_string(order) + "," + std::to_string(index) + ")";
}

std::vector<SmallGroupInfo> small_groups(int order, bool with_tables) {
  const std::string who = "groups of order " + std::to_string(order);
  if (order < 1) throw InputError(who + ": expected an order >= 1");
  const std::string text = answer(
      "order " + std::to_string(order),
      [&] { return answer_of(run_gap(small_groups_program(order), who), who); },
      [&](const std::string& t) { parse_small_groups(order, t); });
  std::vector<SmallGroupInfo> groups = parse_small_groups(order, text);
  // Their tables too, in one GAP run for all that are not known yet (a sweep over the groups of
  // an order then starts GAP twice, not once a group).
  if (!with_tables) return groups;
  bool missing = false;
  for (const SmallGroupInfo& g : groups) {
    const std::string spec = g.spec();
    missing = missing ||
              !known_answer("group " + spec, [&](const std::string& t) { parse_group(spec, t); });
  }
  if (missing) {
    const GapOutput out = run_gap(small_group_tables_program(order), who);
    answer_of(out, who);  // GAP's errors, if any
    std::size_t at = 0;
    constexpr std::string_view kQuestion = "symsweep-question ";
    while ((at = out.out.find(kQuestion, at)) != std::string::npos) {
      const std::size_t eol = out.out.find('\n', at);
      const std::size_t end = out.out.find("symsweep-end\n", eol);
      if (eol == std::string::npos || end == std::string::npos) break;
      const std::string question =
          out.out.substr(at + kQuestion.size(), eol - at - kQuestion.size());
      GapOutput one;
      one.out = out.out.substr(eol + 1, end + 13 - eol - 1);
      const std::string spec = question.substr(6);
      const auto check = [&](const std::string& t) { parse_group(spec, t); };
      if (!known_answer(question, check)) learn(question, answer_of(one, who), check);
      at = end;
    }
  }
  return groups;
}

std::map<std::string, std::string> gap_answers() {
  std::lock_guard lock(answers().mutex);
  return answers().known;
}

void remember_gap_answers(const std::map<std::string, std::string>& given) {
  std::lock_guard lock(answers().mutex);
  for (const auto& [question, text] : given) {
    const auto [it, added] = answers().known.emplace(question, text);
    if (!added && it->second != text) {
      throw InputError("GAP's answer to \"" + question +
                       "\" differs from the one already used (another GAP or library version?)");
    }
  }
}

void forget_gap_answers() {
  std::lock_guard lock(answers().mutex);
  answers().known.clear();
}

void set_gap_cache_dir(std::string dir) {
  std::lock_guard lock(answers().mutex);
  answers().cache_dir = std::move(dir);
  answers().cache_dir_set = true;
}

std::string gap_cache_dir() {
  std::lock_guard lock(answers().mutex);
  return answers().cache_dir_set ? answers().cache_dir : default_cache_dir();
}

int gap_invocations() {
  std::lock_guard lock(answers().mutex);
  return answers().invocations;
}

}  // namespace symsweep::core
