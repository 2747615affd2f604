// Golden test: `freshet folds` reproduces every sklearn folds_*.csv in
// ../shared/reference/sklearn/<dataset>/ byte for byte. A file whose suffix this test does not
// know fails the test, so a new reference file cannot be skipped silently.

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>

#include "core/atomic_file.hpp"
#include "core/csv.hpp"

namespace fs = std::filesystem;
using namespace freshet;

namespace {

struct Case {
  std::string spec;
  bool target = false;
  bool groups_row_mod_7 = false;
};

const std::map<std::string, Case>& cases() {
  static const std::map<std::string, Case> m = {
      {"kfold5", {"kfold:n_splits=5"}},
      {"kfold5_shuffle_rs0", {"kfold:n_splits=5,shuffle=true,random_state=0"}},
      {"stratifiedkfold5", {"stratified_kfold:n_splits=5", true}},
      {"stratifiedkfold5_shuffle_rs42",
       {"stratified_kfold:n_splits=5,shuffle=true,random_state=42", true}},
      {"repeatedkfold3x2_rs1", {"repeated_kfold:n_splits=3,n_repeats=2,random_state=1"}},
      {"shufflesplit4_test0.25_rs3", {"shuffle_split:n_splits=4,test_size=0.25,random_state=3"}},
      {"timeseriessplit5", {"time_series_split:n_splits=5"}},
      {"timeseriessplit4_gap2_max100", {"time_series_split:n_splits=4,gap=2,max_train_size=100"}},
      {"groupkfold4_rowmod7", {"group_kfold:n_splits=4", false, true}},
      {"leaveoneout", {"leave_one_out"}},
  };
  return m;
}

int run(const std::string& command) { return std::system((command + " 2>&1").c_str()); }

}  // namespace

TEST_CASE("freshet folds reproduces every sklearn folds file exactly") {
  const fs::path shared = fs::path(FRESHET_SOURCE_DIR) / ".." / "shared";
  const fs::path ref = shared / "reference" / "sklearn";
  const fs::path tmp = fs::path(FRESHET_BINARY_DIR) / "folds_golden";
  fs::create_directories(tmp);
  std::size_t compared = 0;
  for (const char* dataset : {"breast_cancer", "diabetes", "digits", "wine"}) {
    const fs::path table = shared / "data" / dataset / "table.csv";
    REQUIRE(fs::exists(table));
    fs::path grouped;  // the table plus a column g = row % 7, made on demand
    for (const auto& entry : fs::directory_iterator(ref / dataset)) {
      const std::string file = entry.path().filename().string();
      if (file.rfind("folds_", 0) != 0 || entry.path().extension() != ".csv") continue;
      const std::string suffix = file.substr(6, file.size() - 6 - 4);
      CAPTURE(dataset);
      CAPTURE(file);
      const auto it = cases().find(suffix);
      REQUIRE_MESSAGE(it != cases().end(), "no splitter spec for reference file " << file);
      const Case& c = it->second;
      fs::path input = table;
      std::string extra;
      if (c.target) extra += " --target y";
      if (c.groups_row_mod_7) {
        if (grouped.empty()) {
          Table t = read_csv(table.string());
          std::vector<std::int64_t> g(t.num_rows());
          for (std::size_t i = 0; i < g.size(); ++i) g[i] = static_cast<std::int64_t>(i % 7);
          t.add_column(Column("g", std::move(g)));
          grouped = tmp / (std::string(dataset) + "_grouped.csv");
          write_csv(t, grouped.string());
        }
        input = grouped;
        extra += " --groups g";
      }
      const fs::path out = tmp / (std::string(dataset) + "_" + file);
      const std::string cmd = std::string(FRESHET_EXE) + " folds -q " + input.string() + " --cv '" +
                              c.spec + "'" + extra + " --out " + out.string();
      REQUIRE(run(cmd) == 0);
      const std::string expected = read_file(entry.path().string());
      const std::string got = read_file(out.string());
      CHECK_MESSAGE(got == expected, cmd);
      ++compared;
    }
  }
  CHECK(compared == 37);  // 9 splitters x 4 datasets + LeaveOneOut on wine
}
