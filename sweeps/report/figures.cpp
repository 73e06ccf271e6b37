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

std::string PanelGrid::margins(int i) const {
  const int c = i % cols, r = i / cols;
  const double w = width(), h = height();
  const double l = (left + c * (panel_w + hgap)) / w;
  const double rr = (left + c * (panel_w + hgap) + panel_w) / w;
  const double t = 1.0 - (top + r * (panel_h + vgap)) / h;
  const double b = 1.0 - (top + r * (panel_h + vgap) + panel_h) / h;
  return fmt::format(
      "set lmargin at screen {:.5f}; set rmargin at screen {:.5f}; set tmargin at screen "
      "{:.5f}; set bmargin at screen {:.5f}\n",
      l, rr, t, b);
}

std::string PanelGrid::colorbox_right_of(int i, int offset) const {
  const int c = i % cols, r = i / cols;
  const double w = width(), h = height();
  const double x = (left + c * (panel_w + hgap) + panel_w + offset) / w;
  const double b = 1.0 - (top + r * (panel_h + vgap) + panel_h) / h;
  return fmt::format(
      "set colorbox user origin screen {:.5f}, screen {:.5f} size screen {:.5f}, screen {:.5f}\n",
      x, b, 16.0 / w, panel_h / h);
}

PanelGrid key_below_layout(int key_rows) {
  PanelGrid g;
  g.panel_w = 700;
  g.panel_h = 430;
  g.left = 100;
  g.right = 50;
  g.top = 80;
  g.bottom = 80 + 18 * key_rows + 12;
  return g;
}

std::string key_below(const PanelGrid& g) {
  return fmt::format(
      "set key at screen {:.5f}, screen {:.5f} left top Left reverse box spacing 1.1 "
      "font \",10\"\n",
      static_cast<double>(g.left) / g.width(),
      1.0 - static_cast<double>(g.top + g.panel_h + 68) / g.height());
}

}  // namespace symsweep::sweeps::report
