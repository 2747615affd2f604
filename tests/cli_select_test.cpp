// `freshet select`: files, options, selectors and errors, on tsfresh's reference feature matrices
// (shared/reference/tsfresh) and small hand-made files.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <sstream>

#include "core/csv.hpp"
#include "tests/run_command.hpp"

using namespace freshet;
using namespace freshet::testing;

namespace {

std::string ref_path(const std::string& rel) { return shared_dir() + "/reference/tsfresh/" + rel; }

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.push_back(line);
  return out;
}

std::string select_cmd(const std::string& args) { return freshet_exe() + " select -q " + args; }

}  // namespace

TEST_CASE("cli select: GunPoint, tsfresh's selection, same bytes on every backend") {
  TempDir dir;
  const std::string base = "'" + ref_path("GunPoint/features_comprehensive.csv") +
                           "' --impute --labels '" + shared_dir() + "/data/GunPoint/labels.csv'";
  auto serial = run_command(select_cmd(base + " --workers 0 --out '" + dir.file("a.csv") +
                                       "' --relevance-table '" + dir.file("ra.csv") + "'"));
  INFO(serial.err);
  REQUIRE(serial.status == 0);
  auto threads = run_command(select_cmd(base + " --workers 2 --out '" + dir.file("b.csv") +
                                        "' --relevance-table '" + dir.file("rb.csv") + "'"));
  REQUIRE(threads.status == 0);
  CHECK(slurp(dir.file("a.csv")) == slurp(dir.file("b.csv")));
  CHECK(slurp(dir.file("ra.csv")) == slurp(dir.file("rb.csv")));

  const Table selected = read_csv(dir.file("a.csv"));
  const auto want = lines_of(slurp(ref_path("GunPoint/selected_y.txt")));
  auto names = selected.column_names();
  REQUIRE(names.size() == want.size() + 1);
  CHECK(names[0] == "id");
  CHECK(std::set<std::string>(names.begin() + 1, names.end()) ==
        std::set<std::string>(want.begin(), want.end()));
  CHECK(selected.num_rows() == 200);

  const Table relevance = read_csv(dir.file("ra.csv"));
  CHECK(relevance.column_names() ==
        std::vector<std::string>{"feature", "type", "p_value", "relevant"});
  CHECK(relevance.num_rows() == 783);
  // constant features last, with p_value nan
  CHECK(relevance.column("type").as_string(782) == "constant");
  CHECK(std::isnan(relevance.column("p_value").as_double(782)));
}

TEST_CASE("cli select: regression target, multiclass text labels, label column") {
  TempDir dir;
  auto r = run_command(select_cmd("'" + ref_path("GunPoint/features_comprehensive.csv") +
                                  "' --impute --labels '" + ref_path("GunPoint/y_real.csv") +
                                  "' --label-column y_real --out '" + dir.file("r.csv") + "'"));
  INFO(r.err);
  REQUIRE(r.status == 0);
  CHECK(read_csv(dir.file("r.csv")).num_columns() ==
        1 + lines_of(slurp(ref_path("GunPoint/selected_y_real.txt"))).size());

  auto m = run_command(select_cmd(
      "'" + ref_path("RobotFailureLP1/features_comprehensive.csv") + "' --impute --labels '" +
      shared_dir() + "/data/RobotFailureLP1/labels.csv' --multiclass --out '" + dir.file("m.csv") +
      "' --relevance-table '" + dir.file("mr.csv") + "'"));
  INFO(m.err);
  REQUIRE(m.status == 0);
  const auto header = lines_of(slurp(dir.file("mr.csv")))[0];
  CHECK(header == lines_of(slurp(ref_path("RobotFailureLP1/relevance_multiclass.csv")))[0]);
  CHECK(read_csv(dir.file("m.csv")).num_columns() == 1 + 929);
}

TEST_CASE("cli select: KX selectors") {
  TempDir dir;
  const std::string base = "'" + ref_path("GunPoint/features_comprehensive.csv") +
                           "' --impute --labels '" + shared_dir() + "/data/GunPoint/labels.csv'";
  auto k = run_command(select_cmd(base + " --k-best 5 --out '" + dir.file("k.csv") +
                                  "' --relevance-table '" + dir.file("kr.csv") + "'"));
  INFO(k.err);
  REQUIRE(k.status == 0);
  const Table kr = read_csv(dir.file("kr.csv"));
  // the five smallest p-values, whatever the table order
  std::vector<std::pair<double, std::string>> p;
  for (std::size_t r = 0; r < kr.num_rows(); ++r)
    if (!std::isnan(kr.column("p_value").as_double(r)))
      p.emplace_back(kr.column("p_value").as_double(r), kr.column("feature").as_string(r));
  std::stable_sort(p.begin(), p.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::set<std::string> smallest;
  for (int i = 0; i < 5; ++i) smallest.insert(p[static_cast<std::size_t>(i)].second);
  auto names = read_csv(dir.file("k.csv")).column_names();
  CHECK(names.size() == 6);
  CHECK(std::set<std::string>(names.begin() + 1, names.end()) == smallest);
  std::size_t flagged = 0;
  for (std::size_t r = 0; r < kr.num_rows(); ++r)
    flagged += kr.column("relevant").as_string(r) == "True";
  CHECK(flagged == 5);

  // percentile 0.1 over the 642 non-constant p-values: p <= the linear-interpolated quantile
  auto q = run_command(select_cmd(base + " --percentile 0.1 --out '" + dir.file("q.csv") + "'"));
  REQUIRE(q.status == 0);
  std::vector<double> ps;
  for (const auto& e : p) ps.push_back(e.first);
  const double pos = 0.1 * static_cast<double>(ps.size() - 1);
  const auto lo = static_cast<std::size_t>(pos);
  const double threshold = ps[lo] + (ps[lo + 1] - ps[lo]) * (pos - static_cast<double>(lo));
  const auto expected = static_cast<std::size_t>(
      std::count_if(ps.begin(), ps.end(), [&](double v) { return v <= threshold; }));
  CHECK(read_csv(dir.file("q.csv")).num_columns() == 1 + expected);

  auto both = run_command(
      select_cmd(base + " --k-best 5 --percentile 0.1 --out '" + dir.file("x.csv") + "'"));
  CHECK(both.status == 2);
}

TEST_CASE("cli select: errors are one line naming the problem") {
  TempDir dir;
  dir.write("f.csv", "id,a,b\n1,0.5,1\n2,nan,0\n3,0.25,1\n4,0.75,0\n");
  dir.write("y.csv", "id,y\n1,0\n2,1\n3,0\n4,1\n");
  dir.write("y_missing.csv", "id,y\n1,0\n2,1\n4,1\n");
  dir.write("y_extra.csv", "id,y\n1,0\n2,1\n3,0\n4,1\n5,0\n");
  dir.write("y_const.csv", "id,y\n1,0\n2,0\n3,0\n4,0\n");
  struct Case {
    std::string args;
    int status;
    std::string message;
  };
  // "@name" stands for the file `name` in the temporary directory
  const Case cases[] = {
      {"@f.csv --labels @y.csv", 1, "feature 'a' is nan for id 2; add --impute"},
      {"@f.csv --impute --labels @y_missing.csv", 1, "no label for feature id(s) 3"},
      {"@f.csv --impute --labels @y_extra.csv", 1, "no feature row for labelled id(s) 5"},
      {"@f.csv --impute --labels @y_const.csv", 1, "the target has only one distinct value"},
      {"@f.csv --impute --labels @y.csv --label-column nope", 1, "nope"},
      {"@f.csv --impute --labels @y.csv --ml-task regression --multiclass", 2, "multiclass"},
      {"@f.csv --impute --labels @y.csv --ml-task sideways", 2, "sideways"},
  };
  for (const auto& c : cases) {
    std::istringstream words(c.args);
    std::string args;
    for (std::string w; words >> w;)
      args += " " + (w[0] == '@' ? "'" + dir.file(w.substr(1)) + "'" : w);
    auto r = run_command(select_cmd(args + " --out '" + dir.file("out.csv") + "'"));
    INFO("args: ", args, "\nstderr: ", r.err);
    CHECK(r.status == c.status);
    CHECK(r.err.rfind("freshet: error: ", 0) == 0);
    CHECK(r.err.find(c.message) != std::string::npos);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  }
}

TEST_CASE("cli select: small file, binary feature and Fisher's test, imputed output") {
  TempDir dir;
  // 20 ids: feature `b` separates the classes perfectly; `noise` does not; `c` is constant.
  std::string f = "id,b,c,noise\n", y = "id,y\n";
  for (int i = 0; i < 20; ++i) {
    f +=
        std::to_string(i) + "," + (i < 10 ? "1" : "0") + ",3," + std::to_string((i * 7) % 5) + "\n";
    y += std::to_string(i) + "," + (i < 10 ? "cat" : "dog") + "\n";
  }
  dir.write("f.csv", f);
  dir.write("y.csv", y);
  auto r = run_command(select_cmd("'" + dir.file("f.csv") + "' --labels '" + dir.file("y.csv") +
                                  "' --out '" + dir.file("o.csv") + "' --relevance-table '" +
                                  dir.file("r.csv") + "'"));
  INFO(r.err);
  REQUIRE(r.status == 0);
  CHECK(lines_of(slurp(dir.file("o.csv")))[0] == "id,b");
  const auto rt = lines_of(slurp(dir.file("r.csv")));
  REQUIRE(rt.size() == 4);
  // Fisher exact, table [[10, 0], [0, 10]]: 2 / C(20, 10) = 1.0825088224469026e-05
  // (scipy 1.10.1: stats.fisher_exact([[10, 0], [0, 10]])[1] == 1.082508822446903e-05)
  CHECK(rt[1].rfind("b,binary,1.08250882244690", 0) == 0);
  CHECK(rt[3] == "c,constant,nan,False");
}

TEST_CASE("the README's extract -> select flow runs on GunPoint, and equals extract --select") {
  const std::string data = shared_dir() + "/data/GunPoint";
  TempDir tmp;
  const std::string dir = tmp.path().string();
  const auto extract = run_command(freshet_exe() + " extract -q " + data +
                                   "/series.csv --features efficient --out " + dir + "/f.csv");
  REQUIRE(extract.status == 0);
  // Without --impute the error names the fix (GunPoint's efficient features hold NaN).
  const auto bare = run_command(select_cmd(dir + "/f.csv --labels " + data +
                                           "/labels.csv --fdr 0.05 --out " + dir + "/r.csv"));
  CHECK(bare.status == 1);
  CHECK(bare.err.find("--impute") != std::string::npos);
  // The README's flow.
  const auto flow = run_command(select_cmd(
      dir + "/f.csv --labels " + data + "/labels.csv --impute --fdr 0.05 --out " + dir + "/r.csv"));
  INFO(flow.err);
  REQUIRE(flow.status == 0);
  const auto one = run_command(freshet_exe() + " extract -q " + data +
                               "/series.csv --features efficient --select --labels " + data +
                               "/labels.csv --out " + dir + "/one.csv");
  REQUIRE(one.status == 0);
  const auto same = run_command("cmp " + dir + "/r.csv " + dir + "/one.csv");
  CHECK(same.status == 0);
  // Some features are relevant, and the file has every id.
  const auto rows = lines_of(run_command("cat " + dir + "/r.csv").out);
  CHECK(rows.size() == 201);
  CHECK(std::count(rows[0].begin(), rows[0].end(), ',') > 10);
}
