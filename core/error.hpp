#pragma once

#include <stdexcept>
#include <string>

namespace symsweep {

/// Bad user input (a malformed group, flag value, spec key ...). Commands map it to exit code 2.
/// The message is one line naming the offending value and what was expected.
class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A failure while running (I/O, SQLite, numerical breakdown). Commands map it to exit code 1.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace symsweep
