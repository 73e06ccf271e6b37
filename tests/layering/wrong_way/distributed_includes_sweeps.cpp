// Must not compile: distributed sees core's and its own public headers, not the application's.
#include "store/store.hpp"
