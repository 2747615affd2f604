// Outputs are the user's data: what `--out` and stdout do with devices, FIFOs, links, the umask,
// stale temporary files, a full disk, several outputs, and an output that names an input
// (core/atomic_file.hpp, issue #14 defects 1, 7, 8, 11, 12, 13).
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "tests/run_command.hpp"

using namespace freshet::testing;
namespace fs = std::filesystem;

namespace {

std::string fx(const std::string& args) { return freshet_exe() + " " + args; }
// 'path' for the shell (appended, not "'" + path: GCC 12 warns -Wrestrict on that falsely).
std::string q(const std::string& path) {
  std::string out = "'";
  out += path;
  out += "'";
  return out;
}

// A 6-row table for `folds` and what `folds --cv kfold:n_splits=2` prints for it.
void write_table(const TempDir& dir) { dir.write("t.csv", "x,y\n1,0\n2,1\n3,0\n4,1\n5,0\n6,1\n"); }
std::string folds_of(const TempDir& dir) {
  const auto r = run_command(fx("folds -q '" + dir.file("t.csv") + "' --cv kfold:n_splits=2"));
  REQUIRE(r.status == 0);
  REQUIRE(r.out.find("split,row,role") == 0);
  return r.out;
}
std::string folds_to(const TempDir& dir, const std::string& out, const std::string& prefix = "") {
  return prefix +
         fx("folds -q '" + dir.file("t.csv") + "' --cv kfold:n_splits=2 --out '" + out + "'");
}

mode_t mode_of(const std::string& path) {
  struct stat st {};
  REQUIRE(::lstat(path.c_str(), &st) == 0);
  return st.st_mode;
}

// A pid that names no process now.
pid_t dead_pid() {
  const pid_t pid = ::fork();
  if (pid == 0) ::_exit(0);
  ::waitpid(pid, nullptr, 0);
  return pid;
}

// Series in the long layout and labels for extract / select.
void write_series(const TempDir& dir) {
  std::string s = "id,time,value\n", l = "id,y\n";
  for (int id = 1; id <= 8; ++id) {
    for (int t = 0; t < 6; ++t)
      s += std::to_string(id) + "," + std::to_string(t) + "," + std::to_string(id * (t + 1) % 7) +
           "\n";
    l += std::to_string(id) + "," + std::to_string(id % 2) + "\n";
  }
  dir.write("s.csv", s);
  dir.write("labels.csv", l);
}

}  // namespace

TEST_CASE("cli outputs: a FIFO is written through, not replaced by a file") {
  TempDir dir;
  write_table(dir);
  const std::string fifo = dir.file("pipe");
  REQUIRE(::mkfifo(fifo.c_str(), 0644) == 0);
  // A reader on the FIFO copies what arrives into got.csv.
  const auto r = run_command("cat '" + fifo + "' > '" + dir.file("got.csv") + "' & " +
                             folds_to(dir, fifo) + "; s=$?; wait; exit $s");
  INFO(r.err);
  CHECK(r.status == 0);
  CHECK(S_ISFIFO(mode_of(fifo)));
  CHECK(slurp(dir.file("got.csv")) == folds_of(dir));
  // No temporary file left beside it.
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir.path())) ++files;
  CHECK(files == 3);  // t.csv, pipe, got.csv
}

TEST_CASE("cli outputs: /dev/full as --out is a write error, and stays a device") {
  TempDir dir;
  write_table(dir);
  REQUIRE(S_ISCHR(mode_of("/dev/full")));
  const auto r = run_command(folds_to(dir, "/dev/full"));
  CHECK(r.status == 1);
  CHECK(r.err.find("/dev/full: write failed: No space left on device") != std::string::npos);
  CHECK(S_ISCHR(mode_of("/dev/full")));
}

TEST_CASE("cli outputs: a symbolic link is followed, the file it names is replaced") {
  TempDir dir;
  write_table(dir);
  dir.write("real.csv", "old\n");
  fs::create_symlink(dir.file("real.csv"), dir.file("link.csv"));
  fs::create_symlink("missing.csv", dir.file("dangling.csv"));  // names a file not there yet
  CHECK(run_command(folds_to(dir, dir.file("link.csv"))).status == 0);
  CHECK(run_command(folds_to(dir, dir.file("dangling.csv"))).status == 0);
  CHECK(S_ISLNK(mode_of(dir.file("link.csv"))));
  CHECK(S_ISLNK(mode_of(dir.file("dangling.csv"))));
  CHECK(slurp(dir.file("real.csv")) == folds_of(dir));
  CHECK(slurp(dir.file("missing.csv")) == folds_of(dir));
}

TEST_CASE("cli outputs: '-' is stdout") {
  TempDir dir;
  write_table(dir);
  const auto r = run_command(folds_to(dir, "-"));
  CHECK(r.status == 0);
  CHECK(r.out == folds_of(dir));
}

TEST_CASE("cli outputs: a failed write on stdout is an error, for every command that prints") {
  TempDir dir;
  write_table(dir);
  write_series(dir);
  REQUIRE(S_ISCHR(mode_of("/dev/full")));
  const std::string t = q(dir.file("t.csv"));
  for (const std::string& args :
       {"folds -q " + t + " --cv kfold:n_splits=2", "info " + t, std::string("models"),
        std::string("splitters"), "extract -q --features minimal " + q(dir.file("s.csv"))}) {
    CAPTURE(args);
    const auto r = run_command(fx(args) + " > /dev/full");
    CHECK(r.status == 1);
    CHECK(r.err.find("stdout: write failed: No space left on device") != std::string::npos);
  }
  CHECK(S_ISCHR(mode_of("/dev/full")));
}

TEST_CASE("cli outputs: new files follow the umask, a replaced file keeps its mode") {
  TempDir dir;
  write_table(dir);
  for (const auto& [mask, want] : {std::pair{"077", 0600}, {"022", 0644}, {"002", 0664}}) {
    CAPTURE(mask);
    const std::string out = dir.file(std::string("new") + mask + ".csv");
    REQUIRE(run_command(folds_to(dir, out, std::string("umask ") + mask + "; ")).status == 0);
    CHECK((mode_of(out) & 0777) == static_cast<mode_t>(want));
  }
  dir.write("private.csv", "secret\n");
  fs::permissions(dir.file("private.csv"), fs::perms::owner_read | fs::perms::owner_write);
  REQUIRE(run_command(folds_to(dir, dir.file("private.csv"), "umask 022; ")).status == 0);
  CHECK((mode_of(dir.file("private.csv")) & 0777) == 0600);
  CHECK(slurp(dir.file("private.csv")) == folds_of(dir));
}

TEST_CASE("cli outputs: temporary files of dead runs are removed by the next run there") {
  TempDir dir;
  write_table(dir);
  const pid_t dead = dead_pid();
  REQUIRE((::kill(dead, 0) != 0 && errno == ESRCH));
  const std::string stale = dir.file("x.csv.freshet-tmp-" + std::to_string(dead) + "-abc123");
  const std::string live = dir.file("x.csv.freshet-tmp-" + std::to_string(::getpid()) + "-abc123");
  const std::string other = dir.file("notes.freshet-tmp-x");  // not of the pattern
  dir.write(fs::path(stale).filename().string(), "partial");
  dir.write(fs::path(live).filename().string(), "a live run's");
  dir.write(fs::path(other).filename().string(), "keep");
  REQUIRE(run_command(folds_to(dir, dir.file("x.csv"))).status == 0);
  CHECK_FALSE(fs::exists(stale));
  CHECK(fs::exists(live));
  CHECK(fs::exists(other));
  CHECK(slurp(dir.file("x.csv")) == folds_of(dir));
}

TEST_CASE("cli outputs: outputs are checked before the work and published all or none") {
  TempDir dir;
  write_series(dir);
  // A broken input and an output in a missing folder: the output is reported (checked first).
  dir.write("bad.csv", "id,time,value\n1,0,x\n");
  auto r = run_command(
      fx("extract -q '" + dir.file("bad.csv") + "' --out '" + dir.file("none/f.csv") + "'"));
  CHECK(r.status == 1);
  CHECK(r.err.find("none/f.csv: cannot create output: No such file or directory") !=
        std::string::npos);

  REQUIRE(run_command(fx("extract -q --features minimal '" + dir.file("s.csv") + "' --out '" +
                         dir.file("f.csv") + "'"))
              .status == 0);
  // select with a second output that cannot be created: neither is written.
  r = run_command(fx("select -q '" + dir.file("f.csv") + "' --labels '" + dir.file("labels.csv") +
                     "' --fdr 1 --out '" + dir.file("sel.csv") + "' --relevance-table '" +
                     dir.file("none/rel.csv") + "'"));
  CHECK(r.status == 1);
  CHECK_FALSE(fs::exists(dir.file("sel.csv")));
  // A second output that fails when written (a full device): the first is not published either.
  REQUIRE(S_ISCHR(mode_of("/dev/full")));
  r = run_command(fx("select -q '" + dir.file("f.csv") + "' --labels '" + dir.file("labels.csv") +
                     "' --fdr 1 --out '" + dir.file("sel.csv") + "' --relevance-table /dev/full"));
  CHECK(r.status == 1);
  CHECK_FALSE(fs::exists(dir.file("sel.csv")));
  CHECK(S_ISCHR(mode_of("/dev/full")));
  // Both fine: both written, and nothing else left in the folder.
  r = run_command(fx("select -q '" + dir.file("f.csv") + "' --labels '" + dir.file("labels.csv") +
                     "' --fdr 1 --out '" + dir.file("sel.csv") + "' --relevance-table '" +
                     dir.file("rel.csv") + "'"));
  INFO(r.err);
  CHECK(r.status == 0);
  CHECK(fs::exists(dir.file("sel.csv")));
  CHECK(fs::exists(dir.file("rel.csv")));
  for (const auto& e : fs::directory_iterator(dir.path()))
    CHECK(e.path().filename().string().find("freshet-tmp") == std::string::npos);
}

TEST_CASE("cli outputs: an output that names an input is refused, the input untouched") {
  TempDir dir;
  write_series(dir);
  const std::string series = slurp(dir.file("s.csv"));
  fs::create_symlink(dir.file("s.csv"), dir.file("alias.csv"));
  for (const std::string& out : {dir.file("s.csv"), dir.file("alias.csv")}) {
    const auto r = run_command(
        fx("extract -q --features minimal '" + dir.file("s.csv") + "' --out '" + out + "'"));
    CHECK(r.status == 2);
    CHECK(r.err.find("refusing to replace an input") != std::string::npos);
    CHECK(slurp(dir.file("s.csv")) == series);
  }
  REQUIRE(run_command(fx("extract -q --features minimal '" + dir.file("s.csv") + "' --out '" +
                         dir.file("f.csv") + "'"))
              .status == 0);
  const std::string labels = slurp(dir.file("labels.csv"));
  const auto r =
      run_command(fx("select -q '" + dir.file("f.csv") + "' --labels '" + dir.file("labels.csv") +
                     "' --out '" + dir.file("labels.csv") + "'"));
  CHECK(r.status == 2);
  CHECK(slurp(dir.file("labels.csv")) == labels);
  // Two outputs naming one file.
  const auto two = run_command(fx("select -q '" + dir.file("f.csv") + "' --labels '" +
                                  dir.file("labels.csv") + "' --out '" + dir.file("o.csv") +
                                  "' --relevance-table '" + dir.file("o.csv") + "'"));
  CHECK(two.status == 2);
  CHECK(two.err.find("name one file") != std::string::npos);
}
