#pragma once
// Test helpers: what a call throws, as text or as its code. For tests of every module (included
// as "tests/errors.hpp"; the tests' include path is the repository root).

#include <functional>
#include <string>

#include "core/error.hpp"

namespace freshet::testing {

// The message of the freshet::Error that fn throws; "no error" if it returns.
inline std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

// The code of the freshet::Error that fn throws; Errc::kInternal if it returns.
inline Errc code_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.code();
  }
  return Errc::kInternal;
}

}  // namespace freshet::testing
