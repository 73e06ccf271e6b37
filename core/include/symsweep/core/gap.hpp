#pragma once

// GAP (the computer algebra system, https://www.gap-system.org) as a source of groups: the
// `gap:EXPR` group specs and the small-group library (docs/groups.md).
//
// GAP is asked each question at most once. Its answer (a text: a group's element names and
// Cayley table, or the list of groups of an order) is kept by its question ("group
// gap:SmallGroup(24,12)", "order 24") in this process, in a cache directory and, for sweeps, in
// the results database; other ranks receive the answers from rank 0. So runs, resumes and
// compute nodes without GAP see the same groups. GAP is optional at run time: only a question
// nobody has answered yet needs it.

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "symsweep/core/group.hpp"

namespace symsweep::core {

/// A GAP expression in canonical form (all whitespace removed). Throws InputError naming the
/// spec when it is empty or is more than one expression (a ';').
std::string canonical_gap_expression(std::string_view expression);

/// The group `expression` evaluates to in GAP (a finite group of order at most make_group's
/// limit): elements in GAP's sorted order with the identity moved first, named as GAP prints
/// them. Spec "gap:" + the canonical expression. Throws InputError (one line naming the
/// expression) when GAP is missing, fails, times out or gives no finite group in range.
Group gap_group(std::string_view expression);

/// The answer text behind gap_group (resolving it as gap_group does): what the config hash
/// covers.
std::string gap_group_text(std::string_view expression);

/// One group of GAP's small-group library.
struct SmallGroupInfo {
  int order = 0;
  int index = 0;  ///< SmallGroup(order, index)
  bool abelian = false;
  std::string structure;     ///< GAP's StructureDescription, e.g. "C3 : C8", "S4"
  std::vector<int> degrees;  ///< irrep degrees, ascending, with multiplicity
  int classes() const { return static_cast<int>(degrees.size()); }
  /// "gap:SmallGroup(order,index)"
  std::string spec() const;
};

/// Every group of order `order` in GAP's small-group library, by index; `with_tables`: also
/// every one's table (as gap_group gives it), fetched in one GAP run. Throws InputError when
/// the library does not cover the order or GAP is unavailable.
std::vector<SmallGroupInfo> small_groups(int order, bool with_tables = false);

/// Every answer this process knows (question -> text), to store or to send to other ranks.
std::map<std::string, std::string> gap_answers();
/// Adds answers (from a database or from rank 0). An answer that contradicts one already known
/// is refused with InputError naming the question.
void remember_gap_answers(const std::map<std::string, std::string>& answers);
/// Forgets every answer held in memory (tests).
void forget_gap_answers();

/// The cache directory for GAP's answers ("" for none). Default: $SYMSWEEP_GAP_CACHE if set,
/// else $XDG_CACHE_HOME/symsweep/gap, else $HOME/.cache/symsweep/gap.
void set_gap_cache_dir(std::string dir);
std::string gap_cache_dir();

/// How many times this process has started GAP (tests: a cached answer starts none).
int gap_invocations();

}  // namespace symsweep::core
