// The control: the same kind of target, including what its layer may use, compiles.
#include "symsweep/core/train.hpp"
#include "symsweep/distributed/scheduler.hpp"

int layering_right_way() { return symsweep::core::TrainConfig{}.steps > 0 ? 0 : 1; }
