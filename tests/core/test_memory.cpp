// Memory bounded whatever the training set: the step's buffers grow with a chunk of the pairs,
// not with |T| (issue: cyclic:2048 at f = 0.5 with q = 256 in under 1 GB).
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <cmath>
#include <cstdint>

#include "symsweep/core/data.hpp"
#include "symsweep/core/group.hpp"
#include "symsweep/core/model.hpp"

namespace symsweep::core {
namespace {

double peak_rss_bytes() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) * 1024.0;  // Linux: KiB
}

// Two gradient-descent steps on cyclic:2048, f = 0.5 (|T| = 2,097,152 pairs), q = 256, f32:
// without chunks the step's two q x |T| buffers alone would take 4.3 GB. About a minute per
// step on one core (6 |T| q n = 6.6 TFLOP): `slow`.
TEST(Memory, Cyclic2048AtHalfTheDataTrainsInUnderOneGigabyte) {
  const Group g = make_group("cyclic:2048");
  const Split split = make_split(g, 0.5, {g.identity()}, 0);
  ASSERT_EQ(split.train.size(), std::size_t{2048} * 2048 / 2);
  Particles<float> p = init_particles<float>(2048, 256, ShardRange{0, 256}, 0.3, 1);
  LocalReducer local;
  Workspace<float> ws;
  Gradient<float> grad;
  const double lr_q = 0.01 * 256;  // the gd step z <- z - lr q grad H
  const Particles<float>::Mat c0 = p.c;
  for (int step = 0; step < 2; ++step) {
    const double l = loss_and_gradient(p, split.train, local, ws, grad);
    ASSERT_TRUE(std::isfinite(l));
    ASSERT_TRUE(grad.a.allFinite() && grad.b.allFinite() && grad.c.allFinite());
    p.a -= static_cast<float>(lr_q) * grad.a;
    p.b -= static_cast<float>(lr_q) * grad.b;
    p.c -= static_cast<float>(lr_q) * grad.c;
  }
  // The buffers hold one chunk of pairs; the chunk is a small part of |T|.
  const std::int64_t chunk =
      loss_chunk_pairs(256, 2048, static_cast<std::int64_t>(split.train.size()), sizeof(float));
  EXPECT_LE(ws.h.cols(), chunk);
  EXPECT_LE(ws.out.cols(), chunk);
  EXPECT_LT(chunk * 100, static_cast<std::int64_t>(split.train.size()));
  EXPECT_GT(grad.c.norm(), 0.0F);
  EXPECT_GT((p.c - c0).norm(), 0.0F);  // the steps moved the weights
  const double peak = peak_rss_bytes();
  EXPECT_LT(peak, 1e9) << "peak RSS " << peak / 1e6 << " MB";
  RecordProperty("peak_rss_mb", static_cast<int>(peak / 1e6));
}

}  // namespace
}  // namespace symsweep::core
