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

/// A results database that cannot be used at all: missing (for commands that only read),
/// unreadable, not an SQLite file, not a symsweep database, or of a newer schema. Every command
/// maps it to exit code 3. The message names the file and the cause.
class DatabaseError : public Error {
 public:
  using Error::Error;
};

}  // namespace symsweep
