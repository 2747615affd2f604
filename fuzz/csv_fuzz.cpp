// The CSV reader (core/csv.hpp). Input: one options byte (delimiter, type of the columns), one
// chunk-size byte, then the text. Bad text is Error(kParse) with "fuzz.csv:LINE:COLUMN: ..."; a
// file read in chunks (the parallel path, here with a serial loop and tiny chunks) gives the same
// verdict, table and line of every row as one read.
// fuzz-links: freshet::core
#include <functional>

#include "core/csv.hpp"
#include "fuzz/harness.hpp"

using namespace freshet;

namespace freshet::fuzz {

Seeds seeds() {
  Seeds s;
  // Options byte 0: ',' and inferred types; chunk-size byte: 16 bytes per chunk.
  const std::string head = std::string("\x00\x0f", 2);
  s.push_back({"series", head + source_file("data/sample/series.csv", 1500)});
  s.push_back({"labels", head + source_file("data/sample/labels.csv", 600)});
  s.push_back({"quoted", head + "id,\"name, with comma\",v\r\n1,\"a \"\"b\"\"\nc\",NA\r\n"
                                "2,x,inf\r\n\r\n3,,-1e308\r\n"});
  s.push_back(
      {"bom_semicolon", std::string("\x01\x07", 2) + "\xEF\xBB\xBFid;value\n1;2.5\n2;nan\n"});
  s.push_back({"ids_as_text",
               std::string("\x10\x03", 2) + "id,value\n1000000000000000000000000000001,1\n-7,2\n"});
  return s;
}

}  // namespace freshet::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  static constexpr char kDelimiters[] = {',', ';', '\t', '|'};
  static constexpr ColumnType kTypes[] = {ColumnType::kAuto, ColumnType::kFloat64,
                                          ColumnType::kInt64, ColumnType::kString,
                                          ColumnType::kIntegerOrText};
  ReadCsvOptions options;
  options.delimiter = kDelimiters[data[0] & 3];
  options.other_columns = kTypes[(data[0] >> 2) % 5];
  const std::string_view text(reinterpret_cast<const char*>(data + 2), size - 2);

  Table whole, chunked;
  RowLines lines_whole, lines_chunked;
  options.row_lines = &lines_whole;
  const bool ok = fuzz::accepts([&] { whole = parse_csv(text, "fuzz.csv", options); });
  options.row_lines = &lines_chunked;
  options.chunk_bytes = 1 + data[1];
  options.parallel_for = [](std::size_t n, const std::function<void(std::size_t)>& body) {
    for (std::size_t i = n; i-- > 0;) body(i);  // any order: the chunks must not depend on it
  };
  const bool ok_chunked = fuzz::accepts([&] { chunked = parse_csv(text, "fuzz.csv", options); });
  FUZZ_CHECK(ok == ok_chunked);
  if (!ok) return 0;
  FUZZ_CHECK(whole == chunked);
  // The break lists may differ (each chunk starts one); the lines they give may not.
  for (std::size_t r = 0; r < whole.num_rows(); ++r)
    FUZZ_CHECK(lines_whole.line_of(r) == lines_chunked.line_of(r));
  for (const auto& c : whole.columns()) FUZZ_CHECK(c.size() == whole.num_rows());
  // What the reader accepted, the writer can write.
  (void)format_csv(whole, {.delimiter = options.delimiter});
  return 0;
}
