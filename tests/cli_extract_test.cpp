// `freshet extract` end to end: exit codes, messages, output files.
#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "core/csv.hpp"
#include "tests/free_port.hpp"

namespace {

namespace fs = std::filesystem;

struct Run {
  int status = -1;
  std::string output;  // stdout and stderr together
};

Run run(const std::string& args) {
  const std::string cmd = std::string(FRESHET_EXE) + " " + args + " 2>&1";
  Run r;
  FILE* p = popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  std::array<char, 4096> buf{};
  std::size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.output.append(buf.data(), n);
  const int st = pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

fs::path temp_dir() {
  fs::path d = fs::temp_directory_path() / ("freshet_cli_extract_" + std::to_string(::getpid()));
  fs::create_directories(d);
  return d;
}

void write(const fs::path& p, const std::string& text) { std::ofstream(p) << text; }

std::string read(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

const std::string kShared = FRESHET_SOURCE_DIR + "/../shared";

}  // namespace

TEST_CASE("cli extract: GunPoint minimal equals tsfresh's file byte for byte") {
  const fs::path d = temp_dir();
  const auto r =
      run("extract " + kShared + "/data/GunPoint/series.csv --features minimal --quiet --out " +
          (d / "f.csv").string());
  REQUIRE_MESSAGE(r.status == 0, r.output);
  CHECK(r.output.empty());
  CHECK(read(d / "f.csv") == read(kShared + "/reference/tsfresh/GunPoint/features_minimal.csv"));
}

TEST_CASE("cli extract: stdout, JSON settings, from-columns, impute, workers") {
  const fs::path d = temp_dir();
  write(d / "s.csv", "id,time,value\n1,0,1\n1,1,2\n1,2,4\n2,0,3\n2,1,3\n");
  write(d / "set.json", R"({"mean": null, "autocorrelation": [{"lag": 1}]})");
  auto r = run("extract " + (d / "s.csv").string() + " --features " + (d / "set.json").string());
  REQUIRE_MESSAGE(r.status == 0, r.output);
  // id 2 is constant: autocorrelation is NaN.
  CHECK(r.output ==
        "id,value__autocorrelation__lag_1,value__mean\n"
        "1,-0.03571428571428572,2.3333333333333335\n2,nan,3.0\n");
  r = run("extract " + (d / "s.csv").string() + " --features " + (d / "set.json").string() +
          " --impute --workers 2");
  REQUIRE_MESSAGE(r.status == 0, r.output);
  CHECK(r.output.find("2,-0.03571428571428572,3.0") != std::string::npos);
  write(d / "relevant.csv", "id,value__length,\"value__quantile__q_0.5\"\n");
  r = run("extract " + (d / "s.csv").string() + " --from-columns " + (d / "relevant.csv").string() +
          " --workers 0");
  REQUIRE_MESSAGE(r.status == 0, r.output);
  CHECK(r.output == "id,value__length,value__quantile__q_0.5\n1,3.0,2.0\n2,2.0,3.0\n");
}

TEST_CASE("cli extract: errors name the file and column, exit codes 1 and 2") {
  const fs::path d = temp_dir();
  write(d / "bad.csv", "id,time,value\n1,0,x\n");
  auto r = run("extract " + (d / "bad.csv").string() + " --features minimal");
  CHECK(r.status != 0);
  CHECK(r.output.find("bad.csv:2:3: column 'value'") != std::string::npos);
  CHECK(r.output.find("freshet: error:") != std::string::npos);
  r = run("extract " + (d / "missing.csv").string());
  CHECK(r.status == 1);
  CHECK(r.output.find("missing.csv") != std::string::npos);
  write(d / "s.csv", "id,value\n1,1\n");
  r = run("extract " + (d / "s.csv").string() + " --features nothing.json");
  CHECK(r.status == 2);  // neither a preset nor a file: the command line is wrong
  CHECK(r.output.find("nothing.json") != std::string::npos);
  write(d / "set.json", R"({"quantile": [{"q": "high"}]})");
  r = run("extract " + (d / "s.csv").string() + " --features " + (d / "set.json").string());
  CHECK(r.status == 1);  // what a file holds (README "Exit status")
  CHECK(r.output.find("'quantile': parameter 'q'") != std::string::npos);
  r = run("extract");
  CHECK(r.status == 2);
}

TEST_CASE("cli extract: a NaN series is reported by id and does not stop the run") {
  const fs::path d = temp_dir();
  write(d / "s.csv", "id,value\na,1\na,nan\nb,2\nb,3\n");
  auto r = run("extract " + (d / "s.csv").string() + " --features minimal --out " +
               (d / "f.csv").string());
  REQUIRE_MESSAGE(r.status == 0, r.output);
  CHECK(r.output.find("freshet: warning: id a, kind 'value'") != std::string::npos);
  const auto t = freshet::read_csv((d / "f.csv").string());
  CHECK(t.num_rows() == 2);
  CHECK(t.column("value__mean").as_string(1) == "2.5");
  r = run("extract " + (d / "s.csv").string() + " --features minimal --quiet");
  CHECK(r.output.find("warning") == std::string::npos);
}

TEST_CASE("cli extract: worker processes give the same bytes as serial") {
  const fs::path d = temp_dir();
  const std::string in = kShared + "/data/GunPoint/series.csv";
  auto r = run("extract " + in + " --features efficient --workers 0 --quiet --out " +
               (d / "serial.csv").string());
  REQUIRE_MESSAGE(r.status == 0, r.output);
  // The process backend forks 2 workers; `timeout` keeps a hung backend from hanging the suite.
  const std::string port = std::to_string(freshet::testing::free_port());
  const std::string cmd = "timeout 120 " + std::string(FRESHET_EXE) + " extract " + in +
                          " --features efficient --workers 2 --port " + port + " --quiet --out " +
                          (d / "procs.csv").string() + " 2>&1";
  const int st = std::system(cmd.c_str());
  REQUIRE(WIFEXITED(st));
  REQUIRE(WEXITSTATUS(st) == 0);
  CHECK(read(d / "procs.csv") == read(d / "serial.csv"));
}

TEST_CASE("cli extract: streamed in small batches, the same bytes as reading the file whole") {
  // The shared datasets are grouped by id, so they stream; --batch-bytes 0 reads them whole.
  const fs::path d = temp_dir();
  for (const char* set : {"GunPoint", "BasicMotions"}) {
    CAPTURE(set);
    const std::string in = kShared + "/data/" + set + "/series.csv";
    auto r = run("extract " + in + " --features efficient --quiet --batch-bytes 0 --workers 0 " +
                 "--out " + (d / "whole.csv").string());
    REQUIRE_MESSAGE(r.status == 0, r.output);
    for (const char* how :
         {"--workers 0 --batch-bytes 5000", "--workers 2 --batch-bytes 65536", "--workers 2"}) {
      CAPTURE(how);
      r = run("extract " + in + " --features efficient --quiet " + how + " --out " +
              (d / "streamed.csv").string());
      REQUIRE_MESSAGE(r.status == 0, r.output);
      CHECK(read(d / "streamed.csv") == read(d / "whole.csv"));
    }
    r = run("extract - --features efficient --quiet --batch-bytes 20000 < " + in);
    REQUIRE_MESSAGE(r.status == 0, r.output);
    CHECK(r.output == read(d / "whole.csv"));
  }
}

TEST_CASE("cli extract: ids that are not grouped: a file is read whole, stdin is refused") {
  const fs::path d = temp_dir();
  write(d / "s.csv", "id,time,value\n1,0,1\n1,1,2\n2,0,5\n2,1,3\n1,2,4\n");
  auto r = run("extract " + (d / "s.csv").string() + " --features minimal --batch-bytes 0 " +
               "--out " + (d / "whole.csv").string());
  REQUIRE_MESSAGE(r.status == 0, r.output);
  r = run("extract " + (d / "s.csv").string() + " --features minimal --batch-bytes 8 --out " +
          (d / "f.csv").string());
  REQUIRE_MESSAGE(r.status == 0, r.output);
  CHECK(r.output.find("s.csv:6: id \"1\" appears again after other ids") != std::string::npos);
  CHECK(r.output.find("reading the whole file instead") != std::string::npos);
  CHECK(read(d / "f.csv") == read(d / "whole.csv"));
  r = run("extract - --features minimal --batch-bytes 8 < " + (d / "s.csv").string());
  CHECK(r.status == 1);
  CHECK(r.output.find("stdin:6: id \"1\" appears again") != std::string::npos);
  CHECK(r.output.find("sort them by id") != std::string::npos);
  r = run("extract - --features minimal --batch-bytes 0 < " + (d / "s.csv").string());
  CHECK(r.status == 0);
  CHECK(r.output == read(d / "whole.csv"));
}
