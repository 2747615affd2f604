#pragma once
// CSV in and out (RFC 4180 plus what real files do).
//
// Reading: a header row is required; quoted fields may hold commas, doubled quotes and newlines;
// CRLF line ends and a UTF-8 BOM are accepted; blank lines are skipped. Cells "", NA, NaN, nan
// and null are missing (NaN); inf/-inf are infinities. Column types are inferred (int64, then
// float64, then string) unless ReadCsvOptions names them. Numbers are parsed with from_chars, so
// they are correctly rounded: a file written by write_csv reads back to the same bits.
//
// Every malformed input throws Error(kParse) (or kIo / kNotFound) whose message starts with
// "FILE:LINE:COLUMN: " where COLUMN is the 1-based field number, then says what was expected and
// what was found, e.g. `series.csv:1842:4: column 'value': expected a number, found "n/a"`.
//
// Writing: minimal quoting (as Python's csv module), numbers via format_double (shortest
// round-trip), written to a temporary file and renamed into place (see atomic_file.hpp).

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/parallel.hpp"
#include "core/table.hpp"

namespace freshet {

class Outputs;  // core/atomic_file.hpp

// kAuto infers int64, then float64, then text. kIntegerOrText is for ids: int64 when every cell is
// an integer that fits, else text -- never float64, whose rounding would merge distinct ids such
// as 1000000000000000000000000000001 and ...002. kDictionary is text stored dictionary-encoded
// (DictionaryStrings: 4 bytes a row, for columns whose values repeat: kinds, ids);
// kIntegerOrDictionary is kIntegerOrText with the text dictionary-encoded. The cells read the
// same either way.
enum class ColumnType {
  kAuto,
  kFloat64,
  kInt64,
  kString,
  kIntegerOrText,
  kDictionary,
  kIntegerOrDictionary
};

// The file line each row of a parsed table starts on, for messages about a cell found wrong after
// reading (rows are on consecutive lines except after blank lines and quoted line breaks; only
// those breaks are stored).
struct RowLines {
  using Breaks = std::vector<std::pair<std::size_t, std::size_t>>;  // (row, line), row ascending
  Breaks breaks;
  // 1-based line of 0-based data row `row`.
  std::size_t line_of(std::size_t row) const;
};

struct ReadCsvOptions {
  char delimiter = ',';
  // Types of named columns; a named numeric column with a non-numeric cell is an error naming
  // the cell. Columns not named get `other_columns`.
  std::map<std::string, ColumnType, std::less<>> types = {};
  ColumnType other_columns = ColumnType::kAuto;
  // Columns that must exist; a missing one is Error(kNotFound) naming it and the file.
  std::vector<std::string> required = {};
  // How to run independent pieces of work: parallel_for(n, body) calls body(0..n-1), possibly
  // concurrently (the CLI passes its executor's loop; core does not start threads itself). Given,
  // a file without quotes of at least two chunks is parsed in chunks of whole lines of about
  // `chunk_bytes` each -- the same table, faster.
  ParallelFor parallel_for = {};
  std::size_t chunk_bytes = std::size_t{1} << 17;  // 128 KiB; > 0
  // Given, receives the rows' line numbers (RowLines).
  RowLines* row_lines = nullptr;
};

// Parses CSV text. `source` names the input in error messages (usually the path).
Table parse_csv(std::string_view text, const std::string& source,
                const ReadCsvOptions& options = {});
// Reads and parses a file; "-" reads standard input (named "stdin" in messages). Throws
// Error(kIo) "PATH: cannot open: <reason>" when unreadable; a pipe or device is read with the
// bounds of read_file (atomic_file.hpp): binary data and endless streams are refused.
Table read_csv(const std::string& path, const ReadCsvOptions& options = {});

// Reads a CSV input in batches of whole rows, holding one batch of text at a time (inputs larger
// than memory, pipes without end). The header is read and checked (options.required) by the
// constructor; next() parses the following rows exactly as parse_csv would parse them (the same
// types, inferred per batch, and the same errors with the same file lines), so a column may be
// int64 in one batch and float64 in the next. Each batch ends at a row end (never inside a quoted
// field) after at least `batch_bytes` of text, or at the end of the input.
// From a pipe or device a NUL byte is refused (Error(kParse) "NAME: byte N: ...", as read_file
// refuses binary data such as /dev/zero); in a regular file it is a cell's byte, as read_csv reads
// it. A row still open after `max_row_bytes` of text is Error(kParse) naming its first line.
// options.row_lines, if given, receives each batch's RowLines (rows counted from the batch's
// first row, lines of the whole input). Not thread-safe; reads standard input for "-".
struct CsvBatchOptions {
  std::size_t batch_bytes = std::size_t{32} << 20;  // 32 MiB; > 0
  std::size_t max_row_bytes = std::size_t{1} << 30;
};

class CsvBatchReader {
 public:
  // Opens the input and reads its header. Throws as read_csv (kIo unreadable, kParse no header,
  // kNotFound a required column).
  CsvBatchReader(const std::string& path, ReadCsvOptions options = {}, CsvBatchOptions batch = {});
  ~CsvBatchReader();
  CsvBatchReader(const CsvBatchReader&) = delete;
  CsvBatchReader& operator=(const CsvBatchReader&) = delete;

  // The input's name in messages ("stdin" for "-").
  const std::string& source() const { return source_; }
  const std::vector<std::string>& column_names() const { return names_; }
  // Parses the next batch into `table` (replacing it); false, leaving `table` as it was, when no
  // rows are left.
  bool next(Table& table);
  // True when the last batch next() gave ends at the end of the input.
  bool at_end() const { return eof_ && pending_ == buffer_.size(); }
  // Gives the last `rows` rows of the last batch back: the next batch starts with them (and holds
  // at least batch_bytes of new text besides, so a caller that holds back a growing run of rows
  // still moves on). rows must not exceed the batch's rows.
  void hold_back(std::size_t rows);

 private:
  // Reads more of the input after buffer_'s contents; false at the end.
  bool fill(std::size_t at_least);
  // Where the last complete row in buffer_[from, size) ends (one past its newline), or `from`.
  std::size_t last_row_end(std::size_t from) const;

  std::string source_;
  ReadCsvOptions options_;
  CsvBatchOptions batch_;
  int fd_ = -1;
  bool own_fd_ = false;
  bool eof_ = false;
  std::vector<std::string> names_;
  std::string buffer_;           // buffer_[begin_, pending_) is the last batch; after it, unread
  std::size_t begin_ = 0;        // the last batch's first byte in buffer_
  std::size_t pending_ = 0;      // one past the last batch's last byte
  std::size_t line_ = 1;         // the file line of buffer_[begin_]
  std::size_t batch_rows_ = 0;   // rows of the last batch
  std::size_t held_bytes_ = 0;   // bytes of it held back
  std::size_t nul_checked_ = 0;  // buffer_[0, nul_checked_) holds no NUL byte (max: no check)
  std::size_t offset_ = 0;       // bytes of the input before buffer_[0]
};

struct WriteCsvOptions {
  char delimiter = ',';
  // As ReadCsvOptions::parallel_for: given, blocks of rows are formatted concurrently (same text).
  ParallelFor parallel_for = {};
};

// Renders the table as CSV text (header, then one line per row, "\n" line ends).
std::string format_csv(const Table& table, const WriteCsvOptions& options = {});
// The parts of format_csv's text, for a table written in blocks of rows: its header line, and
// the lines of rows [begin, end) appended to `out`. The header, then every block's rows in order,
// is format_csv's text of the blocks' concatenation.
std::string csv_header(const Table& table, char delimiter = ',');
void append_csv_rows(std::string& out, const Table& table, std::size_t begin, std::size_t end,
                     char delimiter = ',');
// Writes one output atomically (see Outputs in atomic_file.hpp: "-" is stdout, devices and FIFOs
// are written through, links followed): the target is replaced only when the whole file is
// written.
void write_csv(const Table& table, const std::string& path, const WriteCsvOptions& options = {});
// format_csv's text written into output `index` of `outputs` a group of row blocks at a time
// (each group formatted concurrently when a loop is given): the same bytes, without the whole
// text in memory (a large table's text is about 1.7x its doubles, and format_csv holds it twice
// while joining its blocks).
void write_csv_to(Outputs& outputs, std::size_t index, const Table& table,
                  const WriteCsvOptions& options = {});

// Appends one field with minimal quoting.
void append_csv_field(std::string& out, std::string_view field, char delimiter = ',');

}  // namespace freshet
