// Large quote-free files are parsed in chunks of whole lines when ReadCsvOptions::parallel_for is
// given: the table (column types and every value, bit for bit) and the error messages must be
// those of the one-pass parse.
#include <doctest/doctest.h>
#include <unistd.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "core/atomic_file.hpp"
#include "core/csv.hpp"
#include "core/error.hpp"

using namespace freshet;

namespace {

using Loop = std::function<void(std::size_t, const std::function<void(std::size_t)>&)>;

// Runs the body on two threads (odd and even items), as a thread executor might.
void two_threads(std::size_t n, const std::function<void(std::size_t)>& body) {
  std::thread other([&] {
    for (std::size_t i = 1; i < n; i += 2) body(i);
  });
  for (std::size_t i = 0; i < n; i += 2) body(i);
  other.join();
}

void serial(std::size_t n, const std::function<void(std::size_t)>& body) {
  for (std::size_t i = 0; i < n; ++i) body(i);
}

// `loop`, adding the number of pieces it is given to `count` (proof that a parallel path ran).
Loop counting(Loop loop, std::size_t& count) {
  return [loop, &count](std::size_t n, const std::function<void(std::size_t)>& body) {
    count += n;
    loop(n, body);
  };
}

// ~4.5 MB: id (ints), a column that holds integers until late in the file and a decimal there, a
// text column, missing cells, CRLF line ends and blank lines here and there.
std::string big_text(bool text_late, bool crlf) {
  std::string s = "id,late,kind,value\n";
  const std::size_t rows = 150000;
  for (std::size_t i = 0; i < rows; ++i) {
    s += std::to_string(i / 7);
    s += ',';
    if (i == rows - 1000)
      s += "2.5";
    else if (text_late && i == rows - 10)
      s += "oops";
    else
      s += std::to_string(i % 1000);
    s += ",k";
    s += std::to_string(i % 3);
    s += ',';
    if (i % 997 == 0)
      s += "nan";
    else if (i % 1009 == 0)
      s += "";
    else
      s += std::to_string(static_cast<double>(i) * 0.001 + 1e-9 * static_cast<double>(i % 13));
    s += crlf ? "\r\n" : "\n";
    if (i % 40000 == 39999) s += crlf ? "\r\n" : "\n";  // a blank line
  }
  return s;
}

void check_same(const Table& a, const Table& b) {
  REQUIRE(a.num_columns() == b.num_columns());
  REQUIRE(a.num_rows() == b.num_rows());
  for (std::size_t c = 0; c < a.num_columns(); ++c) {
    const Column& x = a.columns()[c];
    const Column& y = b.columns()[c];
    CAPTURE(x.name());
    REQUIRE(x.dtype() == y.dtype());
    CHECK(x.name() == y.name());
    if (x.dtype() == DType::kFloat64) {
      bool same = true;
      for (std::size_t i = 0; i < x.size(); ++i)
        same = same &&
               std::bit_cast<std::uint64_t>(x.f64()[i]) == std::bit_cast<std::uint64_t>(y.f64()[i]);
      CHECK(same);
    } else {
      CHECK(x == y);
    }
  }
}

std::string error_of(std::string_view text, const ReadCsvOptions& options) {
  try {
    parse_csv(text, "big.csv", options);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("chunked parse: the same table as one pass, types promoted across chunks") {
  for (const bool crlf : {false, true}) {
    for (const bool text_late : {false, true}) {
      CAPTURE(crlf);
      CAPTURE(text_late);
      const std::string text = big_text(text_late, crlf);
      REQUIRE(text.size() > (std::size_t{3} << 20));
      const Table one = parse_csv(text, "big.csv");
      CHECK(one.column("id").dtype() == DType::kInt64);
      CHECK(one.column("late").dtype() == (text_late ? DType::kString : DType::kFloat64));
      CHECK(one.column("kind").dtype() == DType::kString);
      CHECK(one.column("value").dtype() == DType::kFloat64);
      for (const Loop& loop : {Loop(serial), Loop(two_threads)}) {
        ReadCsvOptions options;
        std::size_t chunks = 0;  // proves the chunked path ran (the file is ~4.5 chunks)
        options.parallel_for = counting(loop, chunks);
        check_same(parse_csv(text, "big.csv", options), one);
        CHECK(chunks >= 4);
      }
      // Requested types too.
      ReadCsvOptions typed;
      typed.types["kind"] = ColumnType::kString;
      typed.types["value"] = ColumnType::kFloat64;
      const Table one_typed = parse_csv(text, "big.csv", typed);
      typed.parallel_for = two_threads;
      check_same(parse_csv(text, "big.csv", typed), one_typed);
    }
  }
}

TEST_CASE("chunked parse: a last line without its newline, and a run of blank lines") {
  std::string text = big_text(false, false);
  text.pop_back();  // the last row ends the file
  // ~300 KB of blank lines in the middle: whole chunks without a row.
  const std::size_t mid = text.rfind('\n', text.size() / 2);
  text.insert(mid + 1, std::string(300000, '\n'));
  const Table one = parse_csv(text, "big.csv");
  ReadCsvOptions options;
  std::size_t chunks = 0;
  options.parallel_for = counting(two_threads, chunks);
  const Table chunked = parse_csv(text, "big.csv", options);
  CHECK(chunks >= 4);
  REQUIRE(one.num_rows() == 150000);
  check_same(chunked, one);
  CHECK(chunked.column("id").i64().back() == (150000 - 1) / 7);
}

TEST_CASE("chunked parse: errors are the one pass's, naming the first bad line") {
  std::string text = big_text(false, false);
  // A short row near the end and a bad number in a requested float column before it.
  const std::size_t late = text.rfind('\n', text.size() - 200000);
  text.insert(late + 1, "1,2,k0\n");
  const std::size_t earlier = text.rfind('\n', text.size() - 1500000);
  text.insert(earlier + 1, "1,2,k0,x1\n");
  ReadCsvOptions options;
  options.types["value"] = ColumnType::kFloat64;
  const std::string want = error_of(text, options);
  CHECK(want.find("expected a number, found \"x1\"") != std::string::npos);
  options.parallel_for = two_threads;
  CHECK(error_of(text, options) == want);
  // Quotes anywhere: the one pass runs (quoted fields may span lines).
  std::string quoted = big_text(false, false);
  quoted += "5,6,\"k,1\",7\n";
  const Table one = parse_csv(quoted, "q.csv");
  ReadCsvOptions q;
  std::size_t chunks = 0;
  q.parallel_for = counting(two_threads, chunks);
  check_same(parse_csv(quoted, "q.csv", q), one);
  CHECK(chunks == 0);
  CHECK(one.column("kind").str().back() == "k,1");
}

TEST_CASE("format_csv: blocks formatted in parallel give the same text") {
  Table t;
  std::vector<double> x(5000);
  std::vector<std::int64_t> k(5000);
  std::vector<std::string> name(5000);
  for (std::size_t i = 0; i < 5000; ++i) {
    x[i] = static_cast<double>(i) / 7.0 - 100.0;
    k[i] = static_cast<std::int64_t>(i * i) - 7;
    name[i] = i % 11 == 0 ? std::string("a,b") : std::string("s").append(std::to_string(i));
  }
  for (int c = 0; c < 30; ++c) t.add_column(Column(std::string("x").append(std::to_string(c)), x));
  t.add_column(Column("k", k));
  t.add_column(Column("name", name));
  const std::string one = format_csv(t);
  WriteCsvOptions options;
  std::size_t blocks = 0;
  options.parallel_for = counting(two_threads, blocks);
  CHECK(format_csv(t, options) == one);
  CHECK(blocks >= 2);
}

TEST_CASE("write_csv_to: format_csv's bytes, a group of blocks at a time, into an output") {
  // Tables of 0 rows to several groups of 16 blocks (one block is 64k cells / (columns + 1)
  // rows), numbers and quoted text, written serially and with two threads into a file.
  const std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                    ("freshet_write_csv_to_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "t.csv").string();
  for (const std::size_t rows :
       {std::size_t{0}, std::size_t{1}, std::size_t{2047}, std::size_t{2048}, std::size_t{2049},
        std::size_t{16 * 2048}, std::size_t{16 * 2048 + 1}, std::size_t{40000}}) {
    CAPTURE(rows);
    Table t;
    std::vector<double> x(rows);
    std::vector<std::string> name(rows);
    for (std::size_t i = 0; i < rows; ++i) {
      x[i] = static_cast<double>(i) / 7.0 - 100.0;
      name[i] = i % 11 == 0 ? std::string("a,b") : std::string("s").append(std::to_string(i));
    }
    t.add_column(Column("name", name));
    for (int c = 0; c < 30; ++c)  // 32 columns: 2048 rows a block
      t.add_column(Column(std::string("x").append(std::to_string(c)), x));
    const std::string want = format_csv(t);
    for (const bool parallel : {false, true}) {
      CAPTURE(parallel);
      WriteCsvOptions options;
      std::size_t calls = 0;
      if (parallel) options.parallel_for = counting(two_threads, calls);
      Outputs out;
      const std::size_t i = out.add(path);
      write_csv_to(out, i, t, options);
      out.commit();
      CHECK(read_file(path) == want);
      if (parallel && rows > 16 * 2048) CHECK(calls >= 16);  // a group's blocks through the loop
    }
  }
  std::filesystem::remove_all(dir);
}

// Small random files cut into chunks of a few bytes, so chunk boundaries fall everywhere: at
// blank lines, before a column's first float or text, in runs of missing cells, on CRLF line ends
// and before a last line without its newline. The chunked parse must give the one pass's table,
// or its error, every time.
TEST_CASE("chunked parse: random small files in tiny chunks equal the one pass") {
  std::mt19937_64 rng(2024);
  const auto pick = [&](std::size_t n) { return static_cast<std::size_t>(rng() % n); };
  std::size_t chunked_runs = 0;
  for (int file = 0; file < 400; ++file) {
    const std::size_t cols = 1 + pick(4), rows = 1 + pick(40);
    const bool crlf = pick(4) == 0;
    const char* eol = crlf ? "\r\n" : "\n";
    // Per column: 0 integers, 1 integers that turn float at a random row, 2 floats, 3 numbers
    // that turn to text at a random row, 4 text.
    std::vector<std::size_t> kind(cols), turn(cols);
    std::string text;
    for (std::size_t c = 0; c < cols; ++c) {
      kind[c] = pick(5);
      turn[c] = pick(rows + 1);
      text += c ? ",c" : "c";
      text += std::to_string(c);
    }
    text += eol;
    for (std::size_t r = 0; r < rows; ++r) {
      if (pick(8) == 0) text += eol;  // a blank line
      const bool short_row = pick(60) == 0;
      const std::size_t n_fields = short_row && cols > 1 ? cols - 1 : cols;
      for (std::size_t c = 0; c < n_fields; ++c) {
        if (c) text += ',';
        const std::size_t m = pick(12);
        if (m == 0) continue;  // an empty cell: missing
        if (m == 1) {
          text += pick(2) ? "nan" : "NA";
          continue;
        }
        const long long v = static_cast<long long>(pick(2000)) - 1000;
        switch (kind[c]) {
          case 1:
            text += std::to_string(v);
            if (r >= turn[c]) text += ".25";
            break;
          case 2:
            text += std::to_string(v);
            text += '.';
            text += std::to_string(pick(100));
            break;
          case 3:
            if (r >= turn[c]) text += 't';
            text += std::to_string(v);
            break;
          case 4:
            text += 'w';
            text += std::to_string(v);
            break;
          default:
            text += std::to_string(v);
        }
      }
      if (r + 1 < rows || pick(3) != 0) text += eol;  // sometimes no newline at the end
    }
    for (const std::size_t step : {1, 5, 16, 64}) {
      ReadCsvOptions one, chunked;
      if (pick(3) == 0) {  // a requested type, which turns a text cell into an error
        const std::string name = std::string("c").append(std::to_string(pick(cols)));
        const ColumnType type = pick(2) ? ColumnType::kFloat64 : ColumnType::kString;
        one.types[name] = chunked.types[name] = type;
      }
      std::size_t pieces = 0;
      chunked.chunk_bytes = step;
      chunked.parallel_for = counting(two_threads, pieces);
      CAPTURE(file);
      CAPTURE(step);
      CAPTURE(text);
      const std::string want_error = error_of(text, one);
      if (!want_error.empty()) {
        CHECK(error_of(text, chunked) == want_error);
        continue;
      }
      check_same(parse_csv(text, "big.csv", chunked), parse_csv(text, "big.csv", one));
      chunked_runs += pieces > 0;
    }
  }
  CHECK(chunked_runs > 800);  // the chunked path ran on most files
}
