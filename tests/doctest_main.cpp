// The one doctest main shared by every test binary.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

// A test binary that links mproc's process backend can be re-executed as a replacement
// supervisor (mproc/supervisor.hpp); the others (core_tests) do not link mproc at all, hence a
// weak reference: null where mproc's process backend is not linked in.
namespace freshet::mproc {
[[gnu::weak]] void supervisor_entry_point();
}

int main(int argc, char** argv) {
  if (&freshet::mproc::supervisor_entry_point != nullptr) freshet::mproc::supervisor_entry_point();
  return doctest::Context(argc, argv).run();
}
