// Trains Z_5 for a few steps through symsweep's installed public API; prints the training loss
// at the first and the last logged step.
#include <cstdio>

#include "core/group.hpp"
#include "core/train.hpp"

int main() {
  using namespace symsweep::core;
  const Task task(make_group("cyclic:5"));
  TrainConfig cfg;
  cfg.width = 32;
  cfg.steps = 100;
  cfg.log_every = 50;
  const Split split = make_split(task.group(), 1.0, {task.group().identity()}, cfg.seed);
  LocalReducer local;
  auto p = init_particles<float>(task.group().order(), cfg.width, ShardRange{0, cfg.width},
                                 cfg.init_scale, cfg.seed);
  const RunResult r = train(task, split, cfg, p, local);
  if (r.diverged || r.log.size() < 2) return 1;
  std::printf("%.9g %.9g\n", r.log.front().train_loss, r.log.back().train_loss);
  return 0;
}
