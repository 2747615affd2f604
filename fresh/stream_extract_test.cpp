// Streaming extraction gives what reading the whole input gives: the same table and warnings for
// every batch size and worker count; inputs it cannot stream are refused with the reason.
#include "fresh/stream_extract.hpp"

#include <doctest/doctest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>

#include "core/csv.hpp"
#include "core/error.hpp"
#include "mproc/executor.hpp"

using namespace freshet;
using namespace freshet::fresh;

namespace {

namespace fs = std::filesystem;

struct TempFile {
  fs::path path;
  explicit TempFile(const std::string& text) {
    path = fs::temp_directory_path() /
           ("freshet_stream_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    std::ofstream(path, std::ios::binary) << text;
  }
  ~TempFile() { fs::remove(path); }
  static inline int counter = 0;
};

// Ids grouped (in the order `ids` gives), kinds a/b (b missing for every third id), some series
// with NaN (warnings), times shuffled within each id.
std::string grouped_long(const std::vector<std::string>& ids, unsigned seed) {
  std::mt19937 rng(seed);
  std::string text = "id,time,kind,value\n";
  for (std::size_t i = 0; i < ids.size(); ++i) {
    std::vector<std::string> rows;
    const int len = 1 + static_cast<int>(rng() % 9);
    for (const char* kind : {"a", "b"}) {
      if (kind[0] == 'b' && i % 3 == 0) continue;
      for (int t = 0; t < len; ++t) {
        const double v = static_cast<double>(rng() % 1000) / 7.0;
        rows.push_back(ids[i] + "," + std::to_string(t) + "," + kind + "," +
                       (i % 11 == 5 && t == 0 ? std::string("NaN") : std::to_string(v)));
      }
    }
    std::shuffle(rows.begin(), rows.end(), rng);
    for (const auto& r : rows) text += r + "\n";
  }
  return text;
}

ExtractResult whole(const std::string& path, const Settings& s) {
  auto ex = mproc::make_executor({.workers = 0});
  return extract_features(read_series_csv(path), s, *ex);
}

ExtractResult streamed(const std::string& path, const Settings& s, std::size_t batch_bytes,
                       int workers = 0) {
  auto ex = mproc::make_executor({.workers = workers});
  StreamResult r = extract_csv_streaming(path, {}, s, *ex, {.batch_bytes = batch_bytes});
  REQUIRE_MESSAGE(r.result.has_value(), r.reason);
  return std::move(*r.result);
}

void check_same(const ExtractResult& a, const ExtractResult& b) {
  CHECK(a.features.column_names() == b.features.column_names());
  CHECK(a.features == b.features);
  CHECK(format_csv(a.features) == format_csv(b.features));
  CHECK(a.warnings == b.warnings);
}

}  // namespace

TEST_CASE("streamed extraction equals the whole-input extraction for any batch size") {
  // Integer ids in a shuffled (but grouped) order: the output is sorted numerically as always.
  std::vector<std::string> ids;
  for (int i = 0; i < 60; ++i) ids.push_back(std::to_string((i * 37) % 61 - 20));
  const TempFile file(grouped_long(ids, 1));
  const Settings s = preset_settings("minimal");
  const ExtractResult expected = whole(file.path.string(), s);
  REQUIRE(expected.features.num_rows() == 60);
  REQUIRE(!expected.warnings.empty());
  for (std::size_t batch :
       {std::size_t{1}, std::size_t{50}, std::size_t{333}, std::size_t{1} << 20})
    for (int workers : {0, 2}) {
      CAPTURE(batch);
      CAPTURE(workers);
      check_same(streamed(file.path.string(), s, batch, workers), expected);
    }
}

TEST_CASE("text ids, a kind only some batches have, quoted fields and blank lines") {
  // Kind "c" appears only in the last id group; quoted ids hold commas; blank lines between rows.
  std::string text = "id,time,kind,value\n";
  for (int i = 0; i < 30; ++i) {
    const std::string id = "\"s," + std::to_string(100 - i) + "\"";
    for (int t = 0; t < 4; ++t)
      text += id + "," + std::to_string(t) + ",a," + std::to_string(t * i) + "\n";
    if (i % 4 == 0) text += "\n";
  }
  text += "zz,0,c,1\nzz,1,c,3\nzz,2,c,2\n";
  const TempFile file(text);
  const Settings s = preset_settings("minimal");
  const ExtractResult expected = whole(file.path.string(), s);
  REQUIRE(expected.features.column(0).dtype() == DType::kString);
  REQUIRE(expected.features.has_column("c__mean"));
  for (std::size_t batch : {std::size_t{1}, std::size_t{64}, std::size_t{500}}) {
    CAPTURE(batch);
    check_same(streamed(file.path.string(), s, batch), expected);
  }
}

TEST_CASE("time stamps and the wide layout stream too") {
  std::string stamps = "id,time,value\n", wide = "id,time,x,y\n";
  for (int i = 0; i < 20; ++i)
    for (int t = 0; t < 5; ++t) {
      stamps += std::to_string(i) + ",2020-01-0" + std::to_string(5 - t) + "," +
                std::to_string(i * t % 7) + "\n";
      wide += std::to_string(i) + "," + std::to_string(t) + "," + std::to_string(i + t) + "," +
              (t == 2 ? "" : std::to_string(i * t)) + "\n";
    }
  const Settings s = preset_settings("efficient");
  for (const auto& text : {stamps, wide}) {
    const TempFile file(text);
    const ExtractResult expected = whole(file.path.string(), s);
    for (std::size_t batch : {std::size_t{1}, std::size_t{100}})
      check_same(streamed(file.path.string(), s, batch), expected);
  }
}

TEST_CASE("an id that appears again after another id cannot be streamed: the reason names it") {
  const TempFile file("id,time,value\n1,0,1\n1,1,2\n2,0,3\n2,1,4\n1,2,5\n");
  auto ex = mproc::make_executor({.workers = 0});
  StreamResult r = extract_csv_streaming(file.path.string(), {}, preset_settings("minimal"), *ex,
                                         {.batch_bytes = 8});
  CHECK(!r.result);
  CHECK(r.reason.find(":6: id \"1\" appears again") != std::string::npos);
  // "7" and "007" are one integer id in the whole-input path: not streamable in two groups.
  const TempFile spelled("id,value\n7,1\n8,2\n007,3\n");
  r = extract_csv_streaming(spelled.path.string(), {}, preset_settings("minimal"), *ex);
  CHECK(!r.result);
  CHECK(r.reason.find("are one integer id") != std::string::npos);
}

TEST_CASE("errors name the line in the file, whatever the batch") {
  std::string text = "id,time,value\n";
  for (int i = 0; i < 50; ++i) text += std::to_string(i) + ",0,1\n";
  text += "50,0,oops\n";  // line 52
  const TempFile file(text);
  auto ex = mproc::make_executor({.workers = 0});
  for (std::size_t batch : {std::size_t{16}, std::size_t{1} << 20}) {
    CAPTURE(batch);
    CHECK_THROWS_WITH(extract_csv_streaming(file.path.string(), {}, preset_settings("minimal"), *ex,
                                            {.batch_bytes = batch}),
                      doctest::Contains(":52:3: column 'value': expected a number"));
  }
}

TEST_CASE("a header without rows gives the whole-input path's empty table") {
  const TempFile file("id,time,kind,value\n");
  const Settings s = preset_settings("minimal");
  check_same(streamed(file.path.string(), s, 1), whole(file.path.string(), s));
}
