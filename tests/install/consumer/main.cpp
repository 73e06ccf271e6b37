// Trains Z_5 for a few steps through symsweep's installed public API; prints the training loss
// at the first and the last logged step.
#include <cstdio>

#include <symsweep/core/group.hpp>
#include <symsweep/core/train.hpp>

int main() {
  using namespace symsweep::core;
  const GroupContext context(make_group("cyclic:5"));
  TrainConfig cfg;
  cfg.width = 32;
  cfg.steps = 100;
  cfg.log_every = 50;
  const Split split = make_split(context.group(), 1.0, {context.group().identity()}, cfg.seed);
  LocalReducer local;
  auto p = init_particles<float>(context.group().order(), cfg.width, ShardRange{0, cfg.width},
                                 cfg.init_scale, cfg.seed);
  const TrainResult r = train(context, split, cfg, p, local);
  if (r.diverged || r.log.size() < 2) return 1;
  std::printf("%.9g %.9g\n", r.log.front().train_loss, r.log.back().train_loss);
  return 0;
}
