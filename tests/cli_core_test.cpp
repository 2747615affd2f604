// The freshet command itself: help, version, exit codes and the one-line errors for bad input.
#include <doctest/doctest.h>

#include "tests/run_command.hpp"

using namespace freshet::testing;

namespace {
CommandResult info(const TempDir& dir, const std::string& name, const std::string& text) {
  dir.write(name, text);
  return run_command(freshet_exe() + " info '" + dir.file(name) + "'");
}
}  // namespace

TEST_CASE("--help and --version exit 0, every subcommand has --help") {
  auto help = run_command(freshet_exe() + " --help");
  CHECK(help.status == 0);
  CHECK(help.out.find("Subcommands:") != std::string::npos);
  auto version = run_command(freshet_exe() + " --version");
  CHECK(version.status == 0);
  CHECK(version.out.find("freshet ") == 0);
  // Every subcommand listed in --help answers its own --help.
  std::istringstream lines(help.out.substr(help.out.find("Subcommands:")));
  std::string line;
  std::getline(lines, line);
  int subcommands = 0;
  while (std::getline(lines, line)) {
    std::istringstream words(line);
    std::string name;
    if (!(words >> name)) continue;
    auto sub = run_command(freshet_exe() + " " + name + " --help");
    INFO("subcommand ", name);
    CHECK(sub.status == 0);
    CHECK(sub.out.find("--workers") != std::string::npos);
    ++subcommands;
  }
  CHECK(subcommands >= 1);
}

TEST_CASE("usage errors exit 2 with one line") {
  for (const char* args : {"", " no-such-subcommand", " info", " info --workers x a.csv",
                           " info --no-such-flag a.csv"}) {
    auto r = run_command(freshet_exe() + args);
    INFO("args: ", args, " stderr: ", r.err);
    CHECK(r.status == 2);
    CHECK(r.err.rfind("freshet: error: ", 0) == 0);
    CHECK(r.err.find('\n') == r.err.size() - 1);
  }
}

TEST_CASE("bad input: exit 1 and one line naming file, line and column") {
  TempDir dir;
  struct Case {
    const char* name;
    const char* text;
    const char* message;  // after "freshet: error: <dir>/"
  };
  const Case cases[] = {
      {"empty.csv", "", "empty.csv:1:1: expected a header row, found an empty file"},
      {"noheader.csv", "1,2.5\n2,3.5\n",
       "noheader.csv:1:1: expected a header row of column names, found the number \"1\" (does the "
       "file lack a header?)"},
      {"dup.csv", "id,value,id\n1,2,3\n",
       "dup.csv:1:3: duplicate column name \"id\" (also column 1)"},
      {"ragged.csv", "id,value\n1,2\n2\n", "ragged.csv:3:1: expected 2 fields, found 1"},
      {"quote.csv", "id,value\n1,\"2\n",
       "quote.csv:2:2: unterminated quoted field (no closing '\"' before the end of the file)"},
      {"utf8.csv", "id,val\xc3\x28ue\n1,2\n",
       "utf8.csv:1:2: expected a UTF-8 column name, found invalid UTF-8 bytes"},
  };
  for (const auto& c : cases) {
    auto r = info(dir, c.name, c.text);
    INFO(c.name, ": ", r.err);
    CHECK(r.status == 1);
    CHECK(r.err == "freshet: error: " + dir.file(c.message) + "\n");
  }
  auto missing = run_command(freshet_exe() + " info '" + dir.file("nope.csv") + "'");
  CHECK(missing.status == 1);
  CHECK(missing.err ==
        "freshet: error: " + dir.file("nope.csv") + ": cannot open: No such file or directory\n");
  auto directory = run_command(freshet_exe() + " info '" + dir.path().string() + "'");
  CHECK(directory.status == 1);
  CHECK(directory.err.find("cannot read: Is a directory") != std::string::npos);
}

TEST_CASE("info reads the bundled sample") {
  auto r = run_command(freshet_exe() + " info " + FRESHET_SOURCE_DIR + "/data/sample/series.csv");
  CHECK(r.status == 0);
  CHECK(r.out.find("61860 rows, 4 columns") != std::string::npos);
  CHECK(r.out.find("240 ids") != std::string::npos);
}
