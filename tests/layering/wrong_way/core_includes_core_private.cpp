// Must not compile: core's private headers (core/src) are not part of its interface.
#include "random.hpp"
