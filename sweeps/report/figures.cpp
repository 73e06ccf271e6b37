#include "report/figures.hpp"

#include <fmt/core.h>

#include "report/gnuplot.hpp"
#include "report/text.hpp"

namespace symsweep::sweeps::report {

void draw(FigureContext& ctx, const std::string& base, const std::string& script) {
  write_file(ctx.dir / (base + ".gp"), script);
  run_gnuplot(ctx.gnuplot, ctx.dir, base);
}

std::string h_label(int h, const std::string& augment) {
  return h == 1 ? "|H| = 1 (no augmentation)" : fmt::format("|H| = {} ({})", h, augment);
}

}  // namespace symsweep::sweeps::report
