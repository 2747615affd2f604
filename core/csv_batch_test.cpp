// CsvBatchReader: the batches, put together, are the rows parse_csv gives (every cell's text and
// every row's file line), for any batch size, with held-back rows read again; errors name the
// same line as parse_csv.
#include <doctest/doctest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "core/csv.hpp"
#include "core/error.hpp"

using namespace freshet;

namespace {

namespace fs = std::filesystem;

struct TempFile {
  fs::path path;
  explicit TempFile(const std::string& text) {
    path = fs::temp_directory_path() /
           ("freshet_batch_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    std::ofstream(path, std::ios::binary) << text;
  }
  ~TempFile() { fs::remove(path); }
  static inline int counter = 0;
};

// Every cell as text, row by row, and each row's line.
struct Cells {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::size_t> lines;
};

void append(Cells& cells, const Table& t, const RowLines& lines, std::size_t rows) {
  for (std::size_t r = 0; r < rows; ++r) {
    std::vector<std::string> row;
    for (const auto& c : t.columns()) row.push_back(c.as_string(r));
    cells.rows.push_back(std::move(row));
    cells.lines.push_back(lines.line_of(r));
  }
}

Cells whole(const std::string& text) {
  RowLines lines;
  ReadCsvOptions o;
  o.row_lines = &lines;
  o.other_columns = ColumnType::kString;
  const Table t = parse_csv(text, "t.csv", o);
  Cells c;
  append(c, t, lines, t.num_rows());
  return c;
}

// Reads in batches, holding back `hold` rows of every batch but the last (at most all of them).
Cells batched(const std::string& path, std::size_t batch_bytes, std::size_t hold) {
  RowLines lines;
  ReadCsvOptions o;
  o.row_lines = &lines;
  o.other_columns = ColumnType::kString;
  CsvBatchReader reader(path, o, {.batch_bytes = batch_bytes});
  Cells c;
  Table t;
  while (reader.next(t)) {
    std::size_t rows = t.num_rows();
    if (!reader.at_end()) {
      const std::size_t back = std::min(hold, rows);
      reader.hold_back(back);
      rows -= back;
    }
    append(c, t, lines, rows);
  }
  return c;
}

}  // namespace

TEST_CASE("batches put together are parse_csv's rows and lines, with rows held back") {
  std::mt19937 rng(3);
  std::string text = "\xEF\xBB\xBFid,name,value\r\n";
  for (int i = 0; i < 200; ++i) {
    if (rng() % 9 == 0) text += "\n";  // blank lines
    const int q = static_cast<int>(rng() % 5);
    const std::string name = q == 0   ? "\"two\nlines\""
                             : q == 1 ? "\"a \"\"quote\"\"\""
                             : q == 2 ? "\"\""
                                      : "n" + std::to_string(i);
    text += std::to_string(i) + "," + name + "," + std::to_string(i * 0.5) +
            (i % 7 == 0 ? "\r\n" : "\n");
  }
  text += "200,last,1";  // no final newline
  const TempFile file(text);
  const Cells expected = whole(text);
  REQUIRE(expected.rows.size() == 201);
  for (std::size_t batch :
       {std::size_t{1}, std::size_t{13}, std::size_t{200}, std::size_t{1} << 20})
    for (std::size_t hold : {0, 1, 3, 1000}) {
      CAPTURE(batch);
      CAPTURE(hold);
      const Cells got = batched(file.path.string(), batch, hold);
      CHECK(got.rows == expected.rows);
      CHECK(got.lines == expected.lines);
    }
}

TEST_CASE("types are inferred per batch, values as parse_csv reads them") {
  const TempFile file("a,b\n1,x\n2,y\n3.5,z\n");
  CsvBatchReader reader(file.path.string(), {}, {.batch_bytes = 5});
  Table t;
  REQUIRE(reader.next(t));
  CHECK(t.column("a").dtype() == DType::kInt64);
  CHECK(t.column("b").dtype() == DType::kString);
  std::size_t rows = t.num_rows();
  while (reader.next(t)) rows += t.num_rows();
  CHECK(t.column("a").dtype() == DType::kFloat64);
  CHECK(t.column("a").f64().back() == 3.5);
  CHECK(rows == 3);
}

TEST_CASE("batch reader errors: the lines parse_csv names, the header checks, NUL bytes") {
  std::string text = "id,value\n";
  for (int i = 0; i < 40; ++i) text += std::to_string(i) + ",1\n";
  text += "40,1,extra\n";  // line 42
  const TempFile file(text);
  ReadCsvOptions o;
  o.types["value"] = ColumnType::kFloat64;
  for (std::size_t batch : {std::size_t{7}, std::size_t{1} << 20}) {
    CsvBatchReader reader(file.path.string(), o, {.batch_bytes = batch});
    Table t;
    CHECK_THROWS_WITH(
        [&] {
          while (reader.next(t)) {
          }
        }(),
        doctest::Contains(":42:3: expected 2 fields, found 3"));
  }
  ReadCsvOptions required;
  required.required = {"time"};
  CHECK_THROWS_WITH(CsvBatchReader(file.path.string(), required),
                    doctest::Contains("missing required column 'time'"));
  const TempFile empty("");
  CHECK_THROWS_WITH(CsvBatchReader(empty.path.string()),
                    doctest::Contains(":1:1: expected a header row, found an empty file"));
  // A device of NUL bytes is refused at the first block read (here the header's); in a regular
  // file a NUL is a cell's byte, read as parse_csv reads it.
  CHECK_THROWS_WITH(CsvBatchReader("/dev/zero"),
                    doctest::Contains("/dev/zero: byte 1: expected text, found a NUL byte"));
  const TempFile binary(std::string("a,b\n1,2\n3,\0", 11));
  {
    CsvBatchReader reader(binary.path.string(), {}, {.batch_bytes = 3});
    Table t;
    std::size_t rows = 0;
    while (reader.next(t)) rows += t.num_rows();
    CHECK(rows == 2);
    CHECK(t.column("b").as_string(0) == std::string("\0", 1));
  }
  Table t;
  const TempFile unterminated("a,b\n1,\"open\n2,3\n");
  CsvBatchReader open(unterminated.path.string(), {}, {.batch_bytes = 4, .max_row_bytes = 8});
  CHECK_THROWS_WITH(open.next(t), doctest::Contains(":2:2: unterminated quoted field"));
}

TEST_CASE("dictionary-encoded text: the same cells as plain text, 4 bytes a row") {
  std::string text = "id,kind,value\n";
  for (int i = 0; i < 3000; ++i)
    text += "s" + std::to_string(i / 100) + "," + (i % 3 == 0 ? "b" : "a") + ",1\n";
  ReadCsvOptions plain, dict;
  plain.types["id"] = ColumnType::kString;
  plain.types["kind"] = ColumnType::kString;
  dict.types["id"] = ColumnType::kIntegerOrDictionary;
  dict.types["kind"] = ColumnType::kDictionary;
  const Table expected = parse_csv(text, "t.csv", plain);
  std::size_t pieces = 0;
  ReadCsvOptions chunked = dict;
  chunked.chunk_bytes = 256;
  chunked.parallel_for = [&](std::size_t n, const std::function<void(std::size_t)>& body) {
    pieces += n;
    for (std::size_t i = n; i-- > 0;) body(i);  // chunks out of order
  };
  for (const ReadCsvOptions* o : {&dict, &chunked}) {
    const Table t = parse_csv(text, "t.csv", *o);
    const Column& kind = t.column("kind");
    REQUIRE(kind.is_dictionary());
    CHECK(kind.dtype() == DType::kString);
    // Values numbered by first appearance in the file, whatever the chunking.
    CHECK(kind.dictionary().values == std::vector<std::string>{"b", "a"});
    CHECK(t.column("id").dictionary().values.size() == 30);
    CHECK(t.column("id").text(2999) == "s29");
    CHECK(t == expected);
    CHECK(format_csv(t) == format_csv(expected));
    CHECK_THROWS_WITH(kind.str(), doctest::Contains("dictionary-encoded"));
  }
  CHECK(pieces > 2);  // the chunked path ran
  // Integer ids stay int64 with kIntegerOrDictionary.
  CHECK(parse_csv("id\n1\n2\n", "t.csv", dict).column("id").dtype() == DType::kInt64);
}

TEST_CASE("dictionary columns: take, truncate, decode in place, codes checked") {
  Column c("k", DictionaryStrings{{1, 0, 1, 1}, {"x", "y"}});
  CHECK(c.size() == 4);
  CHECK(c.as_string(0) == "y");
  const Column t = c.take(std::vector<std::size_t>{1, 3});
  CHECK(t == Column("k", std::vector<std::string>{"x", "y"}));
  c.truncate(2);
  CHECK(c == Column("k", std::vector<std::string>{"y", "x"}));
  CHECK(c.str_mut() == std::vector<std::string>{"y", "x"});
  CHECK(!c.is_dictionary());
  CHECK_THROWS_WITH(Column("k", DictionaryStrings{{2}, {"x", "y"}}),
                    doctest::Contains("dictionary code 2 of 2 values"));
}
