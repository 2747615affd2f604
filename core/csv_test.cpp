#include "core/csv.hpp"

#include <doctest/doctest.h>
#include <unistd.h>

#include <bit>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "core/format.hpp"

using namespace freshet;

namespace {
std::string parse_error(std::string_view text, const ReadCsvOptions& options = {}) {
  try {
    parse_csv(text, "in.csv", options);
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}
}  // namespace

TEST_CASE("format_double lays numbers out as Python's repr") {
  CHECK(format_double(0.0) == "0.0");
  CHECK(format_double(-0.0) == "-0.0");
  CHECK(format_double(1.0) == "1.0");
  CHECK(format_double(1.5) == "1.5");
  CHECK(format_double(0.1) == "0.1");
  CHECK(format_double(1e-5) == "1e-05");
  CHECK(format_double(0.0001) == "0.0001");
  CHECK(format_double(1e16) == "1e+16");
  CHECK(format_double(123456789012345.0) == "123456789012345.0");
  CHECK(format_double(0.15000000000000002) == "0.15000000000000002");
  CHECK(format_double(-2.5e-300) == "-2.5e-300");
  CHECK(format_double(1.7976931348623157e308) == "1.7976931348623157e+308");
  CHECK(format_double(NAN) == "nan");
  CHECK(format_double(-INFINITY) == "-inf");
}

// Python's repr of an integral double below 1e16 in magnitude is the integer's decimal digits
// and ".0"; above it, shortest digits in scientific layout. Written out independently of
// append_double's fast path for integers below 2^53.
TEST_CASE("format_double on integral values around the fast path's 2^53 bound") {
  const double two53 = 9007199254740992.0;
  CHECK(format_double(two53 - 1) == "9007199254740991.0");
  CHECK(format_double(-(two53 - 1)) == "-9007199254740991.0");
  CHECK(format_double(two53) == "9007199254740992.0");
  CHECK(format_double(two53 + 2) == "9007199254740994.0");
  CHECK(format_double(9999999999999998.0) == "9999999999999998.0");
  CHECK(format_double(1e15) == "1000000000000000.0");
  CHECK(format_double(-1.0) == "-1.0");
  CHECK(format_double(1e22) == "1e+22");
  CHECK(format_double(-123e20) == "-1.23e+22");
  std::mt19937_64 rng(7);
  for (int i = 0; i < 20000; ++i) {
    // integers of every magnitude below 2^53, and their halves (never integral when odd)
    const int bits = static_cast<int>(rng() % 53) + 1;
    const auto k = static_cast<std::int64_t>(rng() >> (64 - bits));
    const double v = (i % 2 ? -1.0 : 1.0) * static_cast<double>(k);
    std::string want = std::to_string(k) + ".0";
    if (v < 0 || (v == 0 && std::signbit(v))) want = "-" + want;
    REQUIRE(format_double(v) == want);
    const std::string half = format_double(v / 2);
    double back = 0;
    REQUIRE(parse_double(half, back));
    CHECK(back == v / 2);
    if (k % 2 == 1 && std::fabs(v) < 1e15) CHECK(half.substr(half.size() - 2) == ".5");
  }
}

TEST_CASE("write_double fits kMaxDoubleChars and reads back bit for bit, for any bits") {
  // append_csv_rows writes a row's numbers into a buffer of kMaxDoubleChars per cell: the bound
  // must hold for every double (random bit patterns: every exponent, subnormals, NaN payloads).
  std::mt19937_64 rng(11);
  std::size_t longest = 0;
  // On the heap, exactly kMaxDoubleChars: ASan reports a store past it.
  const auto room = std::make_unique<char[]>(kMaxDoubleChars);
  char* const buf = room.get();
  std::vector<double> values;
  for (int i = 0; i < 300000; ++i) values.push_back(std::bit_cast<double>(rng()));
  for (int e = -7; e <= 18; ++e)  // the longest positional layouts, both signs
    for (double m : {-9.8765432109876543, 9.8765432109876543, -1.0000000000000002})
      values.push_back(m * std::pow(10.0, e));
  for (const double v : values) {
    const std::size_t n = static_cast<std::size_t>(write_double(buf, v) - buf);
    longest = std::max(longest, n);
    REQUIRE(n <= 24);
    double back = 0;
    REQUIRE(parse_double(std::string_view(buf, n), back));
    if (std::isnan(v))
      REQUIRE(std::isnan(back));
    else
      REQUIRE(std::bit_cast<std::uint64_t>(back) == std::bit_cast<std::uint64_t>(v));
  }
  CHECK(longest == 24);  // "-d.ddddddddddddddddde-3dd" occurs among random bits
  CHECK(format_double(-2.2250738585072014e-308).size() == 24);
}

namespace {
// Python's repr built on std::to_chars' shortest scientific form (libstdc++'s Ryu): an
// independent route to the digits write_double takes from {fmt}'s Dragonbox.
std::string repr_by_to_chars(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value < 0 ? "-inf" : "inf";
  char sci[40];
  const char* end = std::to_chars(sci, sci + sizeof sci, value, std::chars_format::scientific).ptr;
  const std::string text(static_cast<const char*>(sci), end);
  std::string sign, digits;
  std::size_t i = 0;
  if (text[0] == '-') {
    sign = "-";
    i = 1;
  }
  for (; text[i] != 'e'; ++i)
    if (text[i] != '.') digits.push_back(text[i]);
  const int exponent = std::stoi(text.substr(i + 1));
  const int n = static_cast<int>(digits.size());
  if (exponent >= -4 && exponent < 16) {
    if (exponent < 0) return sign + "0." + std::string(-exponent - 1, '0') + digits;
    if (exponent + 1 >= n) return sign + digits + std::string(exponent + 1 - n, '0') + ".0";
    return sign + digits.substr(0, exponent + 1) + "." + digits.substr(exponent + 1);
  }
  std::string e = std::to_string(std::abs(exponent));
  if (e.size() < 2) e = "0" + e;
  return sign + digits.substr(0, 1) + (n > 1 ? "." + digits.substr(1) : "") + "e" +
         (exponent < 0 ? "-" : "+") + e;
}
}  // namespace

TEST_CASE("write_double's digits are std::to_chars' shortest digits, laid out as repr") {
  std::mt19937_64 rng(12);
  std::vector<double> values = {0.1,
                                1e-5,
                                1e16,
                                1e15 + 0.5,
                                9007199254740993.0,
                                5e-324,
                                -5e-324,
                                1.7976931348623157e308,
                                2.2250738585072014e-308,
                                123456789012345680.0,
                                0.30000000000000004,
                                -0.0001};
  for (int i = 0; i < 1000000; ++i) values.push_back(std::bit_cast<double>(rng()));
  // Typical feature magnitudes: 53-bit significands at binary exponents -100..40.
  for (int i = 0; i < 500000; ++i)
    values.push_back(
        std::ldexp(static_cast<double>(rng() >> 11), static_cast<int>(rng() % 141) - 153));
  // Short decimals at every decade (where ties between candidates would show).
  for (int e = -325; e <= 308; ++e)
    for (int k = 1; k < 100; k += 7) values.push_back(k * std::pow(10.0, e));
  // Every layout at every length: 1 to 17 digits with the first at 10^-7 .. 10^18, both signs
  // (the writer's fixed-size stores are largest for 16-17 digits around 10^15).
  for (int e = -7; e <= 18; ++e)
    for (int n = 1; n <= 17; ++n)
      for (const char* sign : {"", "-"}) {
        const std::string text = std::string(sign) +
                                 std::string("9.8765432109876543").substr(0, n + 1) + "e" +
                                 std::to_string(e);
        values.push_back(std::strtod(text.c_str(), nullptr));
      }
  std::size_t mismatches = 0;
  for (double v : values) {
    const std::string got = format_double(v);
    // (Integers below 2^53 take write_double's integer path; the reference lays them out too.)
    const std::string want = repr_by_to_chars(v);
    if (got != want && ++mismatches <= 5)
      CHECK_MESSAGE(got == want, "bits " << std::bit_cast<std::uint64_t>(v));
  }
  CHECK(mismatches == 0);
}

TEST_CASE("doubles round-trip bit for bit through write and read") {
  std::vector<double> values = {0.0,
                                -0.0,
                                std::numeric_limits<double>::denorm_min(),
                                -std::numeric_limits<double>::denorm_min(),
                                std::numeric_limits<double>::min(),
                                std::numeric_limits<double>::max(),
                                -std::numeric_limits<double>::max(),
                                std::numeric_limits<double>::epsilon(),
                                INFINITY,
                                -INFINITY,
                                2.2250738585072009e-308};  // largest subnormal
  std::mt19937_64 rng(42);
  for (int i = 0; i < 20000; ++i) {
    // Random bit patterns cover every exponent, subnormals included.
    double d = std::bit_cast<double>(rng());
    if (!std::isnan(d)) values.push_back(d);
  }
  std::normal_distribution<double> normal;
  for (int i = 0; i < 5000; ++i) values.push_back(normal(rng));
  Table t;
  t.add_column(Column("x", values));
  const Table back = parse_csv(format_csv(t), "roundtrip.csv");
  REQUIRE(back.column("x").dtype() == DType::kFloat64);
  const auto got = back.column("x").f64();
  REQUIRE(got.size() == values.size());
  for (std::size_t i = 0; i < values.size(); ++i)
    CHECK(std::bit_cast<std::uint64_t>(got[i]) == std::bit_cast<std::uint64_t>(values[i]));
  // NaN reads back as NaN.
  Table n;
  n.add_column(Column("x", std::vector<double>{NAN, 1.0}));
  CHECK(std::isnan(parse_csv(format_csv(n), "nan.csv").column("x").f64()[0]));
}

TEST_CASE("quoted fields, CRLF, BOM, missing and infinite values") {
  const std::string text =
      "\xEF\xBB\xBFid,name,value\r\n"
      "1,\"a, b\",1.5\r\n"
      "2,\"say \"\"hi\"\"\",NA\r\n"
      "3,\"two\nlines\",inf\r\n"
      "4,plain,\r\n"
      "5,x,-inf\r\n"
      "6,y,null\r\n"
      "7,z,nan\n";
  const Table t = parse_csv(text, "t.csv");
  REQUIRE(t.num_rows() == 7);
  CHECK(t.column_names() == std::vector<std::string>{"id", "name", "value"});
  CHECK(t.column("id").dtype() == DType::kInt64);
  CHECK(t.column("name").str()[0] == "a, b");
  CHECK(t.column("name").str()[1] == "say \"hi\"");
  CHECK(t.column("name").str()[2] == "two\nlines");
  const auto v = t.column("value").f64();
  CHECK(v[0] == 1.5);
  CHECK(std::isnan(v[1]));
  CHECK(v[2] == INFINITY);
  CHECK(std::isnan(v[3]));
  CHECK(v[4] == -INFINITY);
  CHECK(std::isnan(v[5]));
  CHECK(std::isnan(v[6]));
  // Writing quotes what needs it, and reading gives the same table back.
  CHECK(parse_csv(format_csv(t), "again.csv") == t);
}

TEST_CASE("type inference: int, float on a decimal or a missing cell, text ids") {
  const Table t = parse_csv("a,b,c,d\n1,1,x1,1\n2,2.5,x2,\n", "t.csv");
  CHECK(t.column("a").dtype() == DType::kInt64);
  CHECK(t.column("b").dtype() == DType::kFloat64);
  CHECK(t.column("b").f64()[0] == 1.0);
  CHECK(t.column("c").dtype() == DType::kString);
  CHECK(t.column("d").dtype() == DType::kFloat64);
  // A text cell late in an inferred column turns the whole column into text, values intact.
  const Table u = parse_csv("id,v\n1,0.5\n2,abc\n", "u.csv");
  CHECK(u.column("id").dtype() == DType::kInt64);
  CHECK(u.column("v").str()[0] == "0.5");
  // Forced types.
  const Table w = parse_csv("id,v\n007,1\n", "w.csv", {.types = {{"id", ColumnType::kString}}});
  CHECK(w.column("id").str()[0] == "007");
}

TEST_CASE("malformed input: one error naming file, line and column") {
  CHECK(parse_error("") == "in.csv:1:1: expected a header row, found an empty file");
  CHECK(parse_error("\n\n") == "in.csv:1:1: expected a header row, found an empty file");
  CHECK(parse_error("1,2\n3,4\n").find("in.csv:1:1: expected a header row of column names") == 0);
  CHECK(parse_error("a,b,a\n1,2,3\n") == "in.csv:1:3: duplicate column name \"a\" (also column 1)");
  CHECK(parse_error("a,b\n1,2\n3\n") == "in.csv:3:1: expected 2 fields, found 1");
  CHECK(parse_error("a,b\n1,2\n3,4,5\n") == "in.csv:3:3: expected 2 fields, found 3");
  CHECK(parse_error("a,b\n1,2\n3,\"oops\n4,5\n") ==
        "in.csv:3:2: unterminated quoted field (no closing '\"' before the end of the file)");
  CHECK(parse_error("id,value\n1,2\n1,n/a\n", {.types = {{"value", ColumnType::kFloat64}}}) ==
        "in.csv:3:2: column 'value': expected a number, found \"n/a\"");
  CHECK(parse_error("id,time\n1,2\n", {.required = {"value"}}) ==
        "in.csv: missing required column 'value' (columns are: id, time)");
  CHECK(parse_error("a,b\xff\n1,2\n") ==
        "in.csv:1:2: expected a UTF-8 column name, found invalid UTF-8 bytes");
  // Line numbers count newlines inside quoted fields.
  CHECK(parse_error("a,b\n\"x\ny\",1\n1\n") == "in.csv:4:1: expected 2 fields, found 1");
}

TEST_CASE("unreadable files name the path") {
  try {
    read_csv("/nonexistent/dir/file.csv");
    FAIL("expected an error");
  } catch (const Error& e) {
    CHECK(std::string(e.what()) ==
          "/nonexistent/dir/file.csv: cannot open: No such file or directory");
    CHECK(e.code() == Errc::kIo);
  }
}

TEST_CASE("atomic writes: a failed write leaves the old file and no temporary") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("freshet_atomic_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string target = (dir / "out.csv").string();
  write_file_atomic(target, "old\n");
  {
    Outputs f;
    f.write(f.add(target), std::string_view("new, half-written"));
    // no commit: as if an exception unwound here
  }
  CHECK(read_file(target) == "old\n");
  std::size_t files = 0;
  for (auto& e : fs::directory_iterator(dir)) files += e.is_regular_file();
  CHECK(files == 1);
  write_file_atomic(target, "new\n");
  CHECK(read_file(target) == "new\n");
  fs::remove_all(dir);
}
