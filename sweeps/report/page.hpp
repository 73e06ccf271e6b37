#pragma once

// The report's page (index.html): its parts, the fit tables of a sweep (with their CSV files)
// and the page around them.

#include <filesystem>
#include <string>

#include "report/data.hpp"
#include "report/figures.hpp"

namespace symsweep::sweeps::report {

/// A figure with its caption and links to its SVG, script and data files.
std::string figure_html(const Figure& f);
/// A highlighted note (`text` is HTML).
std::string note_html(const std::string& text);

/// The fit tables of a sweep (its law fits, and its critical fractions in a <details>), and
/// their CSV files `name`-fits.csv and `name`-critical_fractions.csv in `dir`. Empty when the
/// sweep has no critical fractions.
std::string fit_tables_html(const SweepData& sweep, const std::string& name,
                            const std::filesystem::path& dir);

/// The Theorem 2 fits of a run (stored by fit) as a <details> table; empty without any.
std::string theorem2_html(const RunData& run);

/// The whole page: `nav` (list items) and `body` (sections) from the parts above.
std::string page_html(const std::string& db_path, int figures, const std::string& nav,
                      const std::string& body);

}  // namespace symsweep::sweeps::report
