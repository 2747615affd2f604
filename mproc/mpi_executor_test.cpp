// The MPI backend outside a launcher: detection from the environment, and the errors a program
// gets when it asks for MPI without a session or without an MPI build. The backend itself runs
// under mpiexec in tests/mpi/ (tests/CMakeLists.txt).
#include "mproc/mpi_executor.hpp"

#include <doctest/doctest.h>
#include <stdlib.h>

#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "mproc/executor.hpp"

using namespace freshet;

namespace {

// Sets or clears environment variables for one scope, restoring them after.
class EnvGuard {
 public:
  explicit EnvGuard(std::initializer_list<std::pair<const char*, const char*>> vars) {
    for (const auto& [name, value] : vars) {
      const char* old = ::getenv(name);
      saved_.push_back({name, old ? std::optional<std::string>(old) : std::nullopt});
      if (value)
        ::setenv(name, value, 1);
      else
        ::unsetenv(name);
    }
  }
  ~EnvGuard() {
    for (const auto& [name, old] : saved_) {
      if (old)
        ::setenv(name, old->c_str(), 1);
      else
        ::unsetenv(name);
    }
  }

 private:
  std::vector<std::pair<const char*, std::optional<std::string>>> saved_;
};

const std::initializer_list<std::pair<const char*, const char*>> kNoLauncher = {
    {"OMPI_COMM_WORLD_SIZE", nullptr},
    {"OMPI_COMM_WORLD_RANK", nullptr},
    {"PMI_SIZE", nullptr},
    {"PMI_RANK", nullptr},
    {"PMIX_RANK", nullptr}};

}  // namespace

TEST_CASE("mpi: a launcher is recognised by its environment, and the rank read from it") {
  {
    EnvGuard none(kNoLauncher);
    CHECK_FALSE(mproc::mpi_launched());
    CHECK(mproc::mpi_launcher_rank() == -1);
    mproc::MpiSession session;  // no launcher, not requested: does nothing
    CHECK_FALSE(session.active());
    CHECK_FALSE(session.worker());
    CHECK_THROWS_AS(session.serve(), Error);
  }
  {
    EnvGuard ompi(kNoLauncher);
    EnvGuard set({{"OMPI_COMM_WORLD_SIZE", "4"}, {"OMPI_COMM_WORLD_RANK", "3"}});
    CHECK(mproc::mpi_launched());
    CHECK(mproc::mpi_launcher_rank() == 3);
  }
  {
    EnvGuard slurm(kNoLauncher);
    EnvGuard set({{"PMI_SIZE", "2"}, {"PMI_RANK", "1"}});
    CHECK(mproc::mpi_launched());
    CHECK(mproc::mpi_launcher_rank() == 1);
  }
  {
    EnvGuard pmix(kNoLauncher);
    EnvGuard set({{"PMIX_RANK", "0"}});
    CHECK(mproc::mpi_launched());
    CHECK(mproc::mpi_launcher_rank() == 0);
  }
}

TEST_CASE("mpi: asking for the MPI backend without a session (or without MPI) is a usage error") {
  EnvGuard none(kNoLauncher);
  try {
    mproc::make_executor({.workers = 1, .mpi = true});
    FAIL("make_executor({.mpi = true}) without a session must throw");
  } catch (const Error& e) {
    CHECK(e.code() == Errc::kUsage);
    const std::string what = e.what();
    if (mproc::mpi_built())
      CHECK(what.find("needs a running MPI session") != std::string::npos);
    else
      CHECK(what.find("built without MPI") != std::string::npos);
  }
  if (!mproc::mpi_built()) {
    // --mpi, or a launcher, with a build that has no MPI: one clear line instead of N copies of
    // the whole command.
    CHECK_THROWS_WITH_AS(mproc::MpiSession(true), doctest::Contains("built without MPI"), Error);
    EnvGuard launched({{"OMPI_COMM_WORLD_SIZE", "3"}});
    CHECK_THROWS_WITH_AS(mproc::MpiSession(false), doctest::Contains("MPI launcher"), Error);
  }
  // Without a session, the other backends are untouched.
  CHECK(mproc::make_executor({.workers = 2})->backend() == mproc::Backend::kThreads);
  CHECK(mproc::backend_name(mproc::Backend::kMpi) == "mpi");
}
