// Errors a careful, hostile new user meets (issue #14): one exit-status rule, messages that name
// the real line and cell with control characters escaped, bounded reads, ranges in plain numbers,
// ids that are never merged, text targets refused by regressors, hashed column names, and the
// listings (scorers, calculators, --format json).
#include <doctest/doctest.h>

#include <string>

#include "core/csv.hpp"
#include "tests/run_command.hpp"

using namespace freshet;
using namespace freshet::testing;

namespace {

std::string fx(const std::string& args) { return freshet_exe() + " " + args; }
// 'path' for the shell (appended, not "'" + path: GCC 12 warns -Wrestrict on that falsely).
std::string q(const std::string& path) {
  std::string out = "'";
  out += path;
  out += "'";
  return out;
}

// A small classification table, labels by id, and long series.
struct Files {
  TempDir dir;
  Files() {
    std::string t = "a,b,y,name\n", s = "id,time,value\n", l = "id,y\n";
    for (int i = 0; i < 12; ++i) {
      t += std::to_string(i) + "," + std::to_string((i * 7) % 5) + "," + std::to_string(i % 2) +
           "," + (i % 2 ? "odd" : "even") + "\n";
    }
    for (int id = 1; id <= 8; ++id) {
      for (int k = 0; k < 6; ++k)
        s += std::to_string(id) + "," + std::to_string(k) + "," +
             std::to_string((id * (k + 3)) % 7) + "\n";
      l += std::to_string(id) + "," + std::to_string(id % 2) + "\n";
    }
    dir.write("t.csv", t);
    dir.write("s.csv", s);
    dir.write("labels.csv", l);
    dir.write("dup_labels.csv", l + "3,1\n");
    dir.write("short_labels.csv", "id,y\n1,0\n2,1\n");
  }
  std::string f(const std::string& name) const { return q(dir.file(name)); }
};

}  // namespace

TEST_CASE("cli exit status: 2 for every command-line error, 1 for every input or system error") {
  Files x;
  const std::string t = x.f("t.csv");
  struct Case {
    std::string args;
    int status;
    std::string says;
  };
  const std::vector<Case> cases = {
      // 2: the command line is wrong, found before any input is read.
      {"nope", 2, "subcommand"},
      {"info " + t + " --nope", 2, "--nope"},
      {"xval " + t + " --model nope", 2, "unknown model 'nope'"},
      {"xval " + t + " --model ridge:nope=1", 2, "nope"},
      {"xval " + t + " --model ridge:alpha=abc", 2, "alpha"},
      {"xval " + t + " --model ridge --cv nope", 2, "unknown splitter 'nope'"},
      {"xval " + t + " --model ridge --cv kfold:nope=3", 2, "nope"},
      {"xval " + t + " --model logistic_regression --scoring nope", 2, "unknown scorer 'nope'"},
      {"xval " + t + " --model ridge --scoring accuracy", 2, "needs a classifier"},
      {"xval " + t + " --model ridge --cv group_kfold", 2, "needs --groups"},
      {"search " + t + " --model ridge --grid nope=1,2", 2, "nope"},
      {"search " + t + " --model ridge", 2, "needs --grid"},
      {"folds " + t + " --cv nope", 2, "unknown splitter 'nope'"},
      {"models nope", 2, "unknown model 'nope'"},
      {"calculators nope", 2, "unknown calculator 'nope'"},
      {"extract " + x.f("s.csv") + " --features nope", 2, "--features 'nope'"},
      {"select " + x.f("s.csv") + " --labels " + x.f("labels.csv") + " --out - --k-best 0", 2,
       "[1, 1000000000], found 0"},
      {"search " + t + " --model ridge --random alpha=uniform:0:1 --n-iter 1e11", 2,
       "expected a whole number in [1, 1000000], found '1e11'"},
      {"status --connect 127.0.0.1:9 --timeout-ms 0", 2, "found 0"},
      // Real-valued flags in plain numbers, NaN and infinity refused (CLI11's Range let NaN
      // through: every comparison with it is false).
      {"select " + x.f("s.csv") + " --labels " + x.f("labels.csv") + " --out - --fdr nan", 2,
       "--fdr: expected a number in (0, 1], found nan"},
      {"select " + x.f("s.csv") + " --labels " + x.f("labels.csv") + " --out - --fdr 1.5", 2,
       "--fdr: expected a number in (0, 1], found 1.5"},
      // 0 is the relevance test's own error otherwise (exit 1, after reading the inputs).
      {"select " + x.f("s.csv") + " --labels " + x.f("labels.csv") + " --out - --fdr 0", 2,
       "--fdr: expected a number in (0, 1], found 0"},
      {"select " + x.f("s.csv") + " --labels " + x.f("labels.csv") + " --out - --percentile NaN", 2,
       "--percentile: expected a number in [0, 1], found NaN"},
      {"extract " + x.f("s.csv") + " --features minimal --select --labels " + x.f("labels.csv") +
           " --fdr nan",
       2, "--fdr: expected a number in (0, 1], found nan"},
      {"info " + t + " --wait-timeout inf", 2, "expected a number in [0, 86400], found inf"},
      {"worker --connect 127.0.0.1:9 --connect-timeout nan", 2,
       "--connect-timeout: expected a number in [0, 86400], found nan"},
      {"worker --connect 127.0.0.1:9 --connect-timeout 1x", 2,
       "expected a number in [0, 86400], found '1x'"},
      {"info " + t + " --port 0", 2, "found 0"},
      {"status --connect nonsense", 2, "nonsense"},
      {"extract " + x.f("s.csv") + " --out " + x.f("s.csv"), 2, "refusing to replace an input"},
      // 1: the command is fine; an input or the system is not.
      {"info " + x.f("missing.csv"), 1, "cannot open"},
      {"xval " + t + " --model ridge --target nope", 1, "nope"},
      {"xval " + t + " --model ridge --target name", 1, "holds text"},
      {"select " + x.f("s.csv") + " --id-column nope --labels " + x.f("labels.csv") + " --out -", 1,
       "missing required column 'nope'"},
      {"extract -q --features minimal --select " + x.f("s.csv") + " --labels " +
           x.f("short_labels.csv"),
       1, "no label for feature id"},
      {"extract -q --features minimal --select " + x.f("s.csv") + " --labels " +
           x.f("dup_labels.csv"),
       1, "more than once"},
      {"folds " + t + " --cv kfold:n_splits=2 --out /dev/full", 1, "No space left"},
      {"xval " + t + " --model ridge --cv predefined_split:test_fold=fold", 1,
       "no column 'fold' for splitter"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.args);
    const auto r = run_command("timeout 60 " + fx(c.args));
    CAPTURE(r.err);
    CHECK(r.status == c.status);
    CHECK(r.err.find(c.says) != std::string::npos);
    CHECK(r.err.find("freshet: error: ") == 0);
  }
}

TEST_CASE("cli errors: a bad time cell is reported at its own line and field") {
  TempDir dir;
  // Line 4 is blank and line 6 holds a two-line quoted kind: the bad cell "x" is on line 9.
  dir.write(
      "s.csv",
      "id,time,kind,value\n1,0,a,1\n1,1,a,2\n\n1,2,\"a\",3\n1,3,\"a\nb\",4\n1,4,a,5\n1,x,a,6\n");
  const auto r = run_command(fx("extract -q " + q(dir.file("s.csv"))));
  CHECK(r.status == 1);
  CHECK(r.err.find("s.csv:9:2: column 'time': expected a number (as the cells above), found "
                   "\"x\"") != std::string::npos);
  // Time stamps: the first cell that is not one.
  dir.write("t.csv", "id,time,value\n1,2020-01-01,1\n1,2020-01-02,2\n1,noon,3\n");
  const auto t = run_command(fx("extract -q " + q(dir.file("t.csv"))));
  CHECK(t.status == 1);
  CHECK(t.err.find("t.csv:4:2: column 'time': expected an ISO-8601 time stamp") !=
        std::string::npos);
  CHECK(t.err.find("found \"noon\"") != std::string::npos);
}

TEST_CASE("cli errors: control characters in cells are escaped, NUL does not cut the message") {
  TempDir dir;
  dir.write("nul.csv", std::string("id,value\n1,a\0b\n", 15));
  const auto r = run_command(fx("extract -q " + q(dir.file("nul.csv"))));
  CHECK(r.status == 1);
  CHECK(r.err.find("found \"a\\x00b\"") != std::string::npos);
  dir.write("esc.csv", "id,value\n1,\x1b[31mred\x9b\n");
  const auto e = run_command(fx("extract -q " + q(dir.file("esc.csv"))));
  CHECK(e.status == 1);
  CHECK(e.err.find('\x1b') == std::string::npos);
  CHECK(e.err.find("\\x1b[31mred") != std::string::npos);
}

TEST_CASE("cli ids: ids beyond int64 are text ids, never merged") {
  TempDir dir;
  std::string s = "id,time,value\n";
  const std::string big = "100000000000000000000000000000";  // 1e29: no int64, one double
  for (int i = 0; i < 3; ++i)
    for (int k = 0; k < 4; ++k)
      s += big + std::to_string(i) + "," + std::to_string(k) + "," + std::to_string(i * 10 + k) +
           "\n";
  dir.write("s.csv", s);
  const auto r = run_command(fx("extract -q --features minimal " + q(dir.file("s.csv"))));
  INFO(r.err);
  REQUIRE(r.status == 0);
  const Table features = parse_csv(r.out, "out", {.types = {{"id", ColumnType::kString}}});
  REQUIRE(features.num_rows() == 3);
  for (int i = 0; i < 3; ++i) CHECK(features.column("id").str()[i] == big + std::to_string(i));
  CHECK(features.column("value__sum_values").as_double(2) == 20 + 21 + 22 + 23);
  // info counts them apart too.
  const auto info = run_command(fx("info " + q(dir.file("s.csv"))));
  CHECK(info.out.find("3 ids, 4..4 rows per id") != std::string::npos);
}

TEST_CASE("cli reads: binary and endless inputs fail promptly") {
  const auto r = run_command("timeout 60 " + fx("extract -q /dev/zero"));
  CHECK(r.status == 1);
  CHECK(r.err.find("/dev/zero: byte 1: expected text, found a NUL byte") != std::string::npos);
  const auto u = run_command("timeout 60 " + fx("info /dev/urandom"));
  CHECK(u.status == 1);
  CHECK(u.err.find("NUL byte") != std::string::npos);
}

TEST_CASE("cli regressors refuse a text target, naming the column") {
  TempDir dir;
  std::string t = "a,b,label\n";
  for (int i = 0; i < 20; ++i)
    t += std::to_string(i) + "," + std::to_string(i % 3) + "," + (i % 2 ? "cat" : "dog") + "\n";
  dir.write("t.csv", t);
  for (const char* model : {"ridge", "linear_regression", "knn_regressor",
                            "decision_tree_regressor", "random_forest_regressor"}) {
    CAPTURE(model);
    const auto r =
        run_command(fx("xval -q " + q(dir.file("t.csv")) +
                       " --target label --cv kfold:n_splits=2 --model " + std::string(model)));
    CHECK(r.status == 1);
    CHECK(r.err.find("target column 'label' holds text") != std::string::npos);
    CHECK(r.err.find("is a regressor") != std::string::npos);
  }
  const auto s = run_command(fx("search -q " + q(dir.file("t.csv")) +
                                " --target label --cv kfold:n_splits=2 --model ridge --grid "
                                "alpha=1,2"));
  CHECK(s.status == 1);
  CHECK(s.err.find("target column 'label' holds text") != std::string::npos);
  // A classifier takes it.
  CHECK(run_command(fx("xval -q " + q(dir.file("t.csv")) +
                       " --target label --cv kfold:n_splits=2 --model gaussian_nb"))
            .status == 0);
}

TEST_CASE("cli wide headers: column names are hashed (400,000 columns, and a duplicate)") {
  // Checking names pairwise takes 8e10 comparisons here, minutes; hashed it takes a second. The
  // CTest timeout and `timeout` bound it.
  TempDir dir;
  const int n = 400000;
  std::string header, row;
  header.reserve(n * 9);
  for (int i = 0; i < n; ++i) {
    header += (i ? ",c" : "c") + std::to_string(i);
    row += i ? ",1" : "1";
  }
  dir.write("wide.csv", header + "\n" + row + "\n");
  const auto r = run_command("timeout 150 " + fx("info --format json " + q(dir.file("wide.csv"))));
  CHECK(r.status == 0);
  CHECK(r.out.find("\"rows\": 1") != std::string::npos);
  CHECK(r.out.find("\"name\": \"c399999\"") != std::string::npos);
  dir.write("dup.csv", header + ",c17\n" + row + ",1\n");
  const auto d = run_command("timeout 150 " + fx("info " + q(dir.file("dup.csv"))));
  CHECK(d.status == 1);
  CHECK(d.err.find(":1:400001: duplicate column name \"c17\" (also column 18)") !=
        std::string::npos);
}

TEST_CASE("cli listings: scorers, calculators, and --format json") {
  const auto scorers = run_command(fx("scorers"));
  CHECK(scorers.status == 0);
  CHECK(scorers.out.find("  accuracy") != std::string::npos);
  CHECK(scorers.out.find("  r2") != std::string::npos);
  const auto calcs = run_command(fx("calculators"));
  CHECK(calcs.status == 0);
  CHECK(calcs.out.find("fft_coefficient  [efficient, comprehensive]") != std::string::npos);
  CHECK(calcs.out.find("mean  [minimal, efficient, comprehensive]") != std::string::npos);
  const auto one = run_command(fx("calculators autocorrelation"));
  CHECK(one.out.find("{\"lag\":9}") != std::string::npos);
  for (const char* cmd : {"models", "splitters", "scorers", "calculators"}) {
    CAPTURE(cmd);
    const auto j = run_command(fx(std::string(cmd) + " --format json"));
    CHECK(j.status == 0);
    CHECK(j.out.find("[\n  {\n    \"") == 0);
    CHECK(j.out.find("\"name\": ") != std::string::npos);
  }
  TempDir dir;
  dir.write("t.csv", "id,x,k\n1,0.5,a\n1,nan,b\n2,2,a\n");
  const auto info = run_command(fx("info --format json -") + " < " + q(dir.file("t.csv")));
  CHECK(info.status == 0);
  CHECK(info.out.find("\"file\": \"stdin\"") != std::string::npos);
  CHECK(info.out.find("\"missing\": 1") != std::string::npos);
  CHECK(info.out.find("\"distinct\": 2") != std::string::npos);
  CHECK(info.out.find("\"count\": 2") != std::string::npos);
}

TEST_CASE("cli '-' reads stdin and writes stdout, old flag names are aliases") {
  TempDir dir;
  std::string s = "ident,t,value\n", l = "ident,label\n";
  for (int id = 1; id <= 10; ++id) {
    for (int k = 0; k < 5; ++k)
      s += std::to_string(id) + "," + std::to_string(k) + "," +
           std::to_string(id % 2 ? k * k : 3 * k) + "\n";
    l += std::to_string(id) + "," + std::to_string(id % 2) + "\n";
  }
  dir.write("s.csv", s);
  dir.write("labels.csv", l);
  const std::string file =
      fx("extract -q --features minimal --id-column ident --sort-column t " + q(dir.file("s.csv")));
  const auto a = run_command(file);
  const auto b = run_command("cat " + q(dir.file("s.csv")) + " | " +
                             fx("extract -q --features minimal --column-id ident "
                                "--column-sort t - --out -"));
  REQUIRE(a.status == 0);
  CHECK(a.out == b.out);
  const auto sel = run_command(file + " | " +
                               fx("select -q - --id-column ident --labels " +
                                  q(dir.file("labels.csv")) + " --target label --fdr 1 --out -"));
  INFO(sel.err);
  CHECK(sel.status == 0);
  CHECK(sel.out.find("ident,") == 0);
  const auto old =
      run_command(file + " | " +
                  fx("select -q - --id-column ident --labels " + q(dir.file("labels.csv")) +
                     " --label-column label --fdr 1 --out -"));
  CHECK(old.out == sel.out);
}

TEST_CASE("cli select: NaN features without --impute name the fix") {
  TempDir dir;
  dir.write("f.csv", "id,f\n1,1\n2,nan\n3,2\n4,5\n");
  dir.write("labels.csv", "id,y\n1,0\n2,1\n3,0\n4,1\n");
  const auto r = run_command(fx("select -q " + q(dir.file("f.csv")) + " --labels " +
                                q(dir.file("labels.csv")) + " --out -"));
  CHECK(r.status == 1);
  CHECK(r.err.find("feature 'f' is nan for id 2; add --impute") != std::string::npos);
  CHECK(run_command(fx("select -q " + q(dir.file("f.csv")) + " --labels " +
                       q(dir.file("labels.csv")) + " --impute --out -"))
            .status == 0);
}

TEST_CASE("cli help is truthful: every backend, worker, keygen and status listed") {
  const auto help = run_command(fx("--help"));
  CHECK(help.out.find("remote workers or MPI ranks") != std::string::npos);
  for (const char* sub : {"worker ", "keygen ", "status ", "stream ", "run "})
    CHECK_MESSAGE(help.out.find(std::string("\n  ") + sub) != std::string::npos, sub);
  // Every subcommand's summary fits one line of the listing.
  std::size_t at = help.out.find("Subcommands:");
  REQUIRE(at != std::string::npos);
  for (std::size_t end; (end = help.out.find('\n', at + 1)) != std::string::npos; at = end)
    CHECK(end - at <= 160);
  const auto extract = run_command(fx("extract --help"));
  CHECK(extract.out.find("--key-file") != std::string::npos);
  CHECK(extract.out.find("--mpi") != std::string::npos);
  CHECK(extract.out.find("answer 'freshet status'") != std::string::npos);
}

TEST_CASE("cli '-' for the feature settings and the feature names file, one stdin at most") {
  TempDir dir;
  std::string s = "id,time,value\n";
  for (int id = 1; id <= 4; ++id)
    for (int k = 0; k < 6; ++k)
      s += std::to_string(id) + "," + std::to_string(k) + "," + std::to_string(id * k % 7) + "\n";
  dir.write("s.csv", s);
  dir.write("settings.json", R"({"maximum": null, "quantile": [{"q": 0.5}]})");
  const std::string series = q(dir.file("s.csv"));
  const auto from_file =
      run_command(fx("extract -q " + series + " --features " + q(dir.file("settings.json"))));
  const auto from_stdin = run_command("cat " + q(dir.file("settings.json")) + " | " +
                                      fx("extract -q " + series + " --features -"));
  REQUIRE(from_file.status == 0);
  INFO(from_stdin.err);
  CHECK(from_stdin.status == 0);
  CHECK(from_stdin.out == from_file.out);
  CHECK(from_file.out.find("value__maximum") != std::string::npos);
  // The feature names of that output, one per line on stdin, compute the same columns (a CSV
  // header is recognised by a file's .csv name; standard input is read as a list of names).
  dir.write("features.csv", from_file.out);
  const auto names =
      run_command("head -1 " + q(dir.file("features.csv")) + " | tr , '\\n' | tail -n +2 | " +
                  fx("extract -q " + series + " --from-columns -"));
  INFO(names.err);
  CHECK(names.status == 0);
  CHECK(names.out == from_file.out);
  // Two inputs cannot both be standard input.
  const auto both = run_command("cat " + series + " | " + fx("extract -q - --features -"));
  CHECK(both.status == 2);
  CHECK(both.err.find("only one input can be standard input") != std::string::npos);
}
