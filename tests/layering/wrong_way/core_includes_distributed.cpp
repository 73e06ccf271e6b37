// Must not compile: core sees only its own public headers (and Eigen), so a header of a layer
// above it is not found. tests/layering/CMakeLists.txt checks the compiler's message.
#include "symsweep/distributed/scheduler.hpp"
