#include "core/csv.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "core/format.hpp"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace freshet {

namespace {

std::string quote_for_message(std::string_view s) { return quote_cell(s); }

bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  while (i < s.size()) {
    const unsigned char c = p[i];
    std::size_t len;
    if (c < 0x80)
      len = 1;
    else if ((c >> 5) == 0x6)
      len = 2;
    else if ((c >> 4) == 0xE)
      len = 3;
    else if ((c >> 3) == 0x1E)
      len = 4;
    else
      return false;
    if (i + len > s.size()) return false;
    for (std::size_t k = 1; k < len; ++k)
      if ((p[i + k] >> 6) != 0x2) return false;
    if (len == 2 && c < 0xC2) return false;  // overlong
    i += len;
  }
  return true;
}

// Splits the text into fields one at a time, tracking line numbers (1-based, counting newlines
// inside quoted fields) and field numbers.
class Tokenizer {
 public:
  Tokenizer(std::string_view text, const std::string& source, char delimiter)
      : text_(text), source_(source), delim_(delimiter) {
    if (text_.size() >= 3 && std::memcmp(text_.data(), "\xEF\xBB\xBF", 3) == 0) pos_ = 3;
  }
  // A run of whole lines from inside a file (no byte-order mark there), its first line numbered
  // `first_line`.
  Tokenizer(std::string_view lines, const std::string& source, char delimiter,
            std::size_t first_line)
      : text_(lines),
        source_(source),
        delim_(delimiter),
        line_(first_line),
        row_line_(first_line) {}
  std::size_t position() const { return pos_; }

  std::size_t line() const { return line_; }
  bool at_end() const { return pos_ >= text_.size(); }

  // Skips blank lines ("\n" or "\r\n" alone). Returns false at end of input.
  bool start_row() {
    while (pos_ < text_.size()) {
      if (text_[pos_] == '\n') {
        ++pos_;
        ++line_;
      } else if (text_[pos_] == '\r' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '\n') {
        pos_ += 2;
        ++line_;
      } else {
        break;
      }
    }
    row_line_ = line_;
    return pos_ < text_.size();
  }
  std::size_t row_line() const { return row_line_; }

  // Reads the next field into `field` (a view into the text, or into scratch_ when unquoting
  // was needed). Returns true if more fields follow on this row.
  bool next_field(std::string_view& field, std::size_t field_no) {
    const char* data = text_.data();
    const std::size_t n = text_.size();
    if (pos_ < n && data[pos_] == '"') {
      const std::size_t start_line = line_;
      scratch_.clear();
      std::size_t i = pos_ + 1;
      for (;;) {
        const void* q = std::memchr(data + i, '"', n - i);
        if (!q) {
          throw Error(Errc::kParse, source_ + ":" + std::to_string(start_line) + ":" +
                                        std::to_string(field_no) +
                                        ": unterminated quoted field (no closing '\"' before the "
                                        "end of the file)");
        }
        const std::size_t qi = static_cast<std::size_t>(static_cast<const char*>(q) - data);
        for (std::size_t k = i; k < qi; ++k)
          if (data[k] == '\n') ++line_;
        scratch_.append(data + i, qi - i);
        if (qi + 1 < n && data[qi + 1] == '"') {
          scratch_.push_back('"');
          i = qi + 2;
          continue;
        }
        pos_ = qi + 1;
        break;
      }
      field = scratch_;
      if (pos_ >= n) return false;
      const char c = data[pos_];
      if (c == delim_) {
        ++pos_;
        return true;
      }
      if (c == '\n') {
        ++pos_;
        ++line_;
        return false;
      }
      if (c == '\r' && pos_ + 1 < n && data[pos_ + 1] == '\n') {
        pos_ += 2;
        ++line_;
        return false;
      }
      throw Error(Errc::kParse, source_ + ":" + std::to_string(line_) + ":" +
                                    std::to_string(field_no) +
                                    ": expected a delimiter or end of line after a closing quote, "
                                    "found " +
                                    quote_for_message(std::string_view(&data[pos_], 1)));
    }
    std::size_t i = pos_;
    while (i < n) {
      const char c = data[i];
      if (c == delim_ || c == '\n') break;
      if (c == '"') {
        throw Error(Errc::kParse, source_ + ":" + std::to_string(line_) + ":" +
                                      std::to_string(field_no) +
                                      ": unexpected '\"' inside an unquoted field");
      }
      ++i;
    }
    std::size_t end = i;
    if (end > pos_ && end <= n && data[end - 1] == '\r' && (i == n || data[i] == '\n')) --end;
    field = std::string_view(data + pos_, end - pos_);
    if (i >= n) {
      pos_ = n;
      return false;
    }
    pos_ = i + 1;
    if (data[i] == '\n') {
      ++line_;
      return false;
    }
    return true;
  }

 private:
  std::string_view text_;
  const std::string& source_;
  char delim_;
  std::size_t pos_ = 0;
  std::size_t line_ = 1;
  std::size_t row_line_ = 1;
  std::string scratch_;
};

enum class State { kInt, kFloat, kString };

// Distinct strings of a dictionary-encoded column, numbered in order of first appearance. Runs of
// one value (a kind, an id) cost one comparison per row, not a hash.
struct Interner {
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>{}(s);
    }
  };
  static constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();
  std::vector<std::string> values;
  std::unordered_map<std::string, std::uint32_t, Hash, std::equal_to<>> index;
  std::uint32_t last = kNone;

  std::uint32_t code(std::string_view v) {
    if (last != kNone && values[last] == v) return last;
    auto it = index.find(v);
    if (it == index.end()) {
      if (values.size() >= kNone)
        throw Error(Errc::kInvalidArgument, "more than 4294967294 distinct values in a column");
      it = index.emplace(std::string(v), static_cast<std::uint32_t>(values.size())).first;
      values.emplace_back(v);
    }
    return last = it->second;
  }
};

// A column as the one pass builds it: values appended to its own vectors.
struct Builder {
  std::string name;
  ColumnType requested = ColumnType::kAuto;
  State state = State::kInt;
  bool dict = false;  // text is dictionary-encoded (codes + interner)
  std::vector<std::int64_t> ints;
  std::vector<double> floats;
  std::vector<std::string> strings;
  std::vector<std::uint32_t> codes;
  Interner interner;

  void add_int(std::int64_t v) { ints.push_back(v); }
  void add_float(double v) { floats.push_back(v); }
  void add_string(std::string_view v) {
    if (dict)
      codes.push_back(interner.code(v));
    else
      strings.emplace_back(v);
  }
  // An integer column meets its first float: its values so far become floats (room for `rows`).
  void ints_to_floats(std::size_t rows) {
    floats.assign(ints.begin(), ints.end());
    floats.reserve(rows);
    ints = {};
    state = State::kFloat;
  }
};

// Thrown internally when an inferred column turns out to hold text: parse again with it as text.
struct RestartAsString {
  std::size_t column;
};

std::vector<std::string> parse_header(Tokenizer& tok, const std::string& source, char delim) {
  if (!tok.start_row())
    throw Error(Errc::kParse, source + ":1:1: expected a header row, found an empty file");
  std::vector<std::string> names;
  // Name -> 1-based column, hashed: a header of a million columns is checked in linear time.
  std::unordered_map<std::string, std::size_t> seen;
  std::string_view field;
  bool more = true;
  while (more) {
    const std::size_t col = names.size() + 1;
    more = tok.next_field(field, col);
    if (!valid_utf8(field))
      throw Error(Errc::kParse, source + ":1:" + std::to_string(col) +
                                    ": expected a UTF-8 column name, found invalid UTF-8 bytes");
    double number;
    if (!field.empty() && parse_double(field, number))
      throw Error(Errc::kParse, source + ":1:" + std::to_string(col) +
                                    ": expected a header row of column names, found the number " +
                                    quote_for_message(field) + " (does the file lack a header?)");
    std::string name(field);
    if (name.empty()) name = "Unnamed: " + std::to_string(col - 1);  // as pandas names it
    const auto [at, added] = seen.emplace(name, col);
    if (!added)
      throw Error(Errc::kParse, source + ":1:" + std::to_string(col) + ": duplicate column name " +
                                    quote_for_message(name) + " (also column " +
                                    std::to_string(at->second) + ")");
    names.push_back(std::move(name));
  }
  (void)delim;
  return names;
}

// Newlines in the text (an upper bound on its rows). SSE2 is part of x86-64: 16 bytes per step,
// byte counters folded every 255 steps.
std::size_t count_lines(std::string_view text) {
  const char* p = text.data();
  std::size_t n = text.size(), count = 0;
#if defined(__SSE2__)
  const __m128i newline = _mm_set1_epi8('\n');
  while (n >= 16) {
    const std::size_t steps = std::min<std::size_t>(n / 16, 255);
    __m128i bytes = _mm_setzero_si128();  // per byte lane: newlines seen (at most 255)
    for (std::size_t s = 0; s < steps; ++s, p += 16) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
      bytes = _mm_sub_epi8(bytes, _mm_cmpeq_epi8(v, newline));  // a match is -1
    }
    const __m128i sums = _mm_sad_epu8(bytes, _mm_setzero_si128());
    count += static_cast<std::size_t>(_mm_cvtsi128_si64(sums)) +
             static_cast<std::size_t>(_mm_cvtsi128_si64(_mm_unpackhi_epi64(sums, sums)));
    n -= steps * 16;
  }
#endif
  return count + static_cast<std::size_t>(std::count(p, p + n, '\n'));
}

// Parses rows until the end of the tokenizer's text into the columns (Builder, or a chunk's
// ChunkColumn); `guess` bounds the row count (for a column that turns from integers to floats).
template <class Col>
void parse_rows(Tokenizer& tok, const std::string& source, std::vector<Col>& cols,
                std::size_t guess, RowLines::Breaks* breaks) {
  std::string_view field;
  // A break wherever a row does not start on the line after the previous row's start (a blank
  // line or a quoted line break came between): RowLines::line_of counts on from the last break.
  std::size_t row = 0, previous_line = 0;
  while (tok.start_row()) {
    const std::size_t line = tok.row_line();
    if (breaks && line != previous_line + 1) breaks->emplace_back(row, line);
    previous_line = line;
    ++row;
    std::size_t c = 0;
    bool more = true;
    while (more) {
      if (c >= cols.size()) {
        // Count the rest to say how many fields the row has.
        std::size_t count = c;
        while (more) {
          more = tok.next_field(field, count + 1);
          ++count;
        }
        throw Error(Errc::kParse, source + ":" + std::to_string(line) + ":" +
                                      std::to_string(cols.size() + 1) + ": expected " +
                                      std::to_string(cols.size()) + " fields, found " +
                                      std::to_string(count));
      }
      more = tok.next_field(field, c + 1);
      Col& b = cols[c];
      switch (b.state) {
        case State::kFloat: {
          double v;
          if (parse_double(field, v)) {
            b.add_float(v);
          } else if (is_missing_token(field)) {
            b.add_float(std::numeric_limits<double>::quiet_NaN());
          } else if (b.requested == ColumnType::kAuto) {
            throw RestartAsString{c};
          } else {
            throw Error(Errc::kParse, source + ":" + std::to_string(line) + ":" +
                                          std::to_string(c + 1) + ": column '" + b.name +
                                          "': expected a number, found " +
                                          quote_for_message(field));
          }
          break;
        }
        case State::kInt: {
          std::int64_t v;
          if (parse_int64(field, v)) {
            b.add_int(v);
            break;
          }
          double d;
          const bool missing = is_missing_token(field);
          if (b.requested == ColumnType::kIntegerOrText ||
              b.requested == ColumnType::kIntegerOrDictionary)
            throw RestartAsString{c};
          if (b.requested == ColumnType::kInt64) {
            throw Error(Errc::kParse, source + ":" + std::to_string(line) + ":" +
                                          std::to_string(c + 1) + ": column '" + b.name +
                                          "': expected an integer, found " +
                                          quote_for_message(field));
          }
          if (missing || parse_double(field, d)) {
            b.ints_to_floats(guess);
            b.add_float(missing ? std::numeric_limits<double>::quiet_NaN() : d);
          } else {
            throw RestartAsString{c};
          }
          break;
        }
        case State::kString:
          b.add_string(field);
          break;
      }
      ++c;
    }
    if (c != cols.size()) {
      throw Error(Errc::kParse, source + ":" + std::to_string(line) + ":" + std::to_string(c) +
                                    ": expected " + std::to_string(cols.size()) +
                                    " fields, found " + std::to_string(c));
    }
  }
}

// Reserves room for `rows` values in each builder's current representation.
void reserve_rows(std::vector<Builder>& cols, std::size_t rows) {
  for (auto& b : cols) {
    if (b.state == State::kFloat) b.floats.reserve(rows);
    if (b.state == State::kInt) b.ints.reserve(rows);
    if (b.state == State::kString && !b.dict) b.strings.reserve(rows);
    if (b.state == State::kString && b.dict) b.codes.reserve(rows);
  }
}

// The chunked path's columns: one final vector per column and representation, sized for every
// line of the file and allocated by the first chunk that needs it; each chunk writes its own
// range of rows in place, so nothing is copied to join the chunks.
struct SharedColumn {
  std::size_t capacity = 0;
  std::once_flag ints_once, floats_once, strings_once, codes_once;
  std::vector<std::int64_t> ints;
  std::vector<double> floats;
  std::vector<std::string> strings;
  std::vector<std::uint32_t> codes;

  std::int64_t* int_data() {
    std::call_once(ints_once, [this] { ints.resize(capacity); });
    return ints.data();
  }
  double* float_data() {
    std::call_once(floats_once, [this] { floats.resize(capacity); });
    return floats.data();
  }
  std::string* string_data() {
    std::call_once(strings_once, [this] { strings.resize(capacity); });
    return strings.data();
  }
  std::uint32_t* code_data() {
    std::call_once(codes_once, [this] { codes.resize(capacity); });
    return codes.data();
  }
};

// One chunk's view of a column: rows from `begin` of the shared vectors.
struct ChunkColumn {
  const std::string& name;
  ColumnType requested;
  State state;
  SharedColumn& shared;
  std::size_t begin;
  std::size_t rows = 0;
  std::int64_t* ints = nullptr;  // shared.ints.data() + begin once used, likewise below
  double* floats = nullptr;
  std::string* strings = nullptr;
  bool dict = false;
  std::uint32_t* codes = nullptr;
  Interner local =
      {};  // this chunk's dictionary; codes are remapped to the file's after all chunks

  void add_int(std::int64_t v) {
    if (!ints) ints = shared.int_data() + begin;
    ints[rows++] = v;
  }
  void add_float(double v) {
    if (!floats) floats = shared.float_data() + begin;
    floats[rows++] = v;
  }
  void add_string(std::string_view v) {
    if (dict) {
      if (!codes) codes = shared.code_data() + begin;
      codes[rows++] = local.code(v);
      return;
    }
    if (!strings) strings = shared.string_data() + begin;
    strings[rows++].assign(v);
  }
  void ints_to_floats(std::size_t) {
    floats = shared.float_data() + begin;
    for (std::size_t i = 0; i < rows; ++i) floats[i] = static_cast<double>(ints[i]);
    state = State::kFloat;
  }
};

// Moves the chunks' ranges [begin[i], begin[i] + rows[i]) together and drops the rest (chunks
// hold fewer rows than lines when the file has blank lines).
template <class T>
void close_gaps(std::vector<T>& v, const std::vector<std::size_t>& begin,
                const std::vector<std::size_t>& rows) {
  std::size_t at = 0;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (at != begin[i])
      std::move(v.begin() + static_cast<std::ptrdiff_t>(begin[i]),
                v.begin() + static_cast<std::ptrdiff_t>(begin[i] + rows[i]),
                v.begin() + static_cast<std::ptrdiff_t>(at));
    at += rows[i];
  }
  v.resize(at);
}

// Large quote-free files are parsed in chunks of whole lines, in parallel when the caller gave a
// loop (ReadCsvOptions::parallel_for), each chunk straight into its rows of the final columns:
// the same table as one pass (an integer chunk of a column that another chunk made float is
// converted as the one pass converts it). Chunks depend only on the data. A chunk that meets
// text in an inferred column restarts the whole parse with that column as text, as the one pass
// does; any other error is left to the one pass, which reports the first one in file order.
// Returns false (nothing done) when the file is under two chunks, has quotes, or no loop was
// given.
bool parse_chunked(std::string_view text, const Tokenizer& tok, const std::string& source,
                   const ReadCsvOptions& options, std::vector<Builder>& cols) {
  const std::size_t step = std::max<std::size_t>(options.chunk_bytes, 1);
  const std::size_t body = tok.position();
  if (!options.parallel_for || text.size() - body < 2 * step) return false;
  if (std::memchr(text.data(), '"', text.size()) != nullptr) return false;
  // Chunk boundaries: just after the first newline at or past every `step` bytes.
  std::vector<std::size_t> starts = {body};
  for (std::size_t at = body + step; at < text.size(); at += step) {
    const void* nl = std::memchr(text.data() + at, '\n', text.size() - at);
    if (!nl) break;
    const std::size_t next =
        static_cast<std::size_t>(static_cast<const char*>(nl) - text.data()) + 1;
    if (next >= text.size()) break;
    if (next > starts.back()) starts.push_back(next);
    at = next;
  }
  starts.push_back(text.size());
  const std::size_t n = starts.size() - 1;
  if (n < 2) return false;
  // Every chunk but the last ends with a newline, so it has at most as many rows as newlines.
  std::vector<std::size_t> lines(n);
  options.parallel_for(n, [&](std::size_t i) {
    lines[i] = count_lines(text.substr(starts[i], starts[i + 1] - starts[i]));
  });
  std::vector<std::size_t> first_line(n), begin(n), rows(n, 0);
  std::size_t capacity = 0;
  for (std::size_t i = 0; i < n; ++i) {
    first_line[i] = i == 0 ? tok.line() : first_line[i - 1] + lines[i - 1];
    begin[i] = capacity;
    capacity += lines[i] + (i + 1 == n ? 1 : 0);
  }
  std::vector<SharedColumn> shared(cols.size());
  for (auto& s : shared) s.capacity = capacity;
  std::vector<std::vector<State>> states(n);
  std::vector<std::optional<std::size_t>> restart(n);
  std::vector<char> failed(n, 0);
  std::vector<RowLines::Breaks> breaks(options.row_lines ? n : 0);
  std::vector<std::vector<std::vector<std::string>>> dicts(n);  // chunk -> column -> values
  options.parallel_for(n, [&](std::size_t i) {
    std::vector<ChunkColumn> part;
    part.reserve(cols.size());
    for (std::size_t c = 0; c < cols.size(); ++c) {
      part.push_back(
          ChunkColumn{cols[c].name, cols[c].requested, cols[c].state, shared[c], begin[i]});
      part.back().dict = cols[c].dict;
    }
    Tokenizer chunk(text.substr(starts[i], starts[i + 1] - starts[i]), source, options.delimiter,
                    first_line[i]);
    try {
      parse_rows(chunk, source, part, lines[i] + 1, options.row_lines ? &breaks[i] : nullptr);
    } catch (const RestartAsString& r) {
      restart[i] = r.column;
    } catch (...) {
      failed[i] = 1;
    }
    rows[i] = part.empty() ? 0 : part.front().rows;
    for (const auto& p : part) states[i].push_back(p.state);
    dicts[i].resize(cols.size());
    for (std::size_t c = 0; c < cols.size(); ++c) dicts[i][c] = std::move(part[c].local.values);
  });
  for (std::size_t i = 0; i < n; ++i)
    if (restart[i]) throw RestartAsString{*restart[i]};
  for (std::size_t i = 0; i < n; ++i)
    if (failed[i]) return false;  // the one pass finds and reports the error
  std::size_t total = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (options.row_lines)
      for (const auto& [row, line] : breaks[i])
        options.row_lines->breaks.emplace_back(total + row, line);
    total += rows[i];
  }
  const bool gaps = total != capacity;
  // Numeric columns that some chunk made float: every chunk's rows become floats (integer
  // chunks converted in place, all columns in one pass over the chunks).
  std::vector<char> any_float(cols.size(), 0);
  for (std::size_t c = 0; c < cols.size(); ++c)
    for (std::size_t i = 0; i < n; ++i)
      any_float[c] =
          any_float[c] || (cols[c].state != State::kString && states[i][c] == State::kFloat);
  // Dictionary columns: the chunks' dictionaries merged in chunk order (so values are numbered by
  // first appearance in the file, as the one pass numbers them), then each chunk's codes mapped.
  std::vector<std::vector<std::vector<std::uint32_t>>> remap(n);  // chunk -> column -> code map
  for (std::size_t c = 0; c < cols.size(); ++c) {
    if (!cols[c].dict) continue;
    for (std::size_t i = 0; i < n; ++i) {
      remap[i].resize(cols.size());
      for (const auto& v : dicts[i][c]) remap[i][c].push_back(cols[c].interner.code(v));
    }
  }
  options.parallel_for(n, [&](std::size_t i) {
    if (rows[i] == 0) return;
    for (std::size_t c = 0; c < cols.size(); ++c) {
      if (cols[c].dict) {
        std::uint32_t* codes = shared[c].code_data();
        const auto& map = remap[i][c];
        for (std::size_t r = begin[i]; r < begin[i] + rows[i]; ++r) codes[r] = map[codes[r]];
        continue;
      }
      if (!any_float[c] || states[i][c] != State::kInt) continue;
      double* f = shared[c].float_data();
      const std::int64_t* v = shared[c].int_data();
      for (std::size_t r = begin[i]; r < begin[i] + rows[i]; ++r) f[r] = static_cast<double>(v[r]);
    }
  });
  for (std::size_t c = 0; c < cols.size(); ++c) {
    Builder& out = cols[c];
    SharedColumn& s = shared[c];
    if (out.state == State::kString && out.dict) {
      s.code_data();
      if (gaps) close_gaps(s.codes, begin, rows);
      out.codes = std::move(s.codes);
    } else if (out.state == State::kString) {
      s.string_data();  // allocated even when every chunk was empty
      if (gaps) close_gaps(s.strings, begin, rows);
      out.strings = std::move(s.strings);
    } else if (any_float[c]) {
      s.float_data();
      if (gaps) close_gaps(s.floats, begin, rows);
      out.state = State::kFloat;
      out.ints = {};
      out.floats = std::move(s.floats);
    } else {
      s.int_data();
      if (gaps) close_gaps(s.ints, begin, rows);
      out.ints = std::move(s.ints);
    }
  }
  return true;
}

// Parses the rows of `tok` (positioned at the first data row) into a table of columns `names`.
// Throws RestartAsString when an inferred column holds text (the caller parses again with
// `force_string` set for it).
Table parse_body(std::string_view text, Tokenizer& tok, const std::vector<std::string>& names,
                 const std::string& source, const ReadCsvOptions& options,
                 const std::vector<bool>& force_string) {
  std::vector<Builder> cols(names.size());
  for (std::size_t c = 0; c < names.size(); ++c) {
    cols[c].name = names[c];
    auto it = options.types.find(names[c]);
    cols[c].requested = it != options.types.end() ? it->second : options.other_columns;
    if (!force_string.empty() && force_string[c])
      cols[c].requested = cols[c].requested == ColumnType::kIntegerOrDictionary
                              ? ColumnType::kDictionary
                              : ColumnType::kString;
    switch (cols[c].requested) {
      case ColumnType::kAuto:
      case ColumnType::kInt64:
      case ColumnType::kIntegerOrText:
      case ColumnType::kIntegerOrDictionary:
        cols[c].state = State::kInt;
        break;
      case ColumnType::kFloat64:
        cols[c].state = State::kFloat;
        break;
      case ColumnType::kString:
        cols[c].state = State::kString;
        break;
      case ColumnType::kDictionary:
        cols[c].state = State::kString;
        cols[c].dict = true;
        break;
    }
  }
  // Reserve for every row up front: regrowth copies the columns and touches fresh pages again
  // (page faults were a third of reading a 6 MB file). The line count bounds the row count (a
  // quoted newline only makes it larger); the chunked path counts per chunk, in parallel.
  if (!parse_chunked(text, tok, source, options, cols)) {
    const std::size_t guess = count_lines(text.substr(tok.position())) + 1;
    reserve_rows(cols, guess);
    parse_rows(tok, source, cols, guess, options.row_lines ? &options.row_lines->breaks : nullptr);
  }

  Table table;
  for (auto& b : cols) {
    switch (b.state) {
      case State::kInt:
        table.add_column(Column(b.name, std::move(b.ints)));
        break;
      case State::kFloat:
        table.add_column(Column(b.name, std::move(b.floats)));
        break;
      case State::kString:
        if (b.dict)
          table.add_column(
              Column(b.name, DictionaryStrings{std::move(b.codes), std::move(b.interner.values)}));
        else
          table.add_column(Column(b.name, std::move(b.strings)));
        break;
    }
  }
  return table;
}

void check_required(const std::vector<std::string>& names, const std::string& source,
                    const ReadCsvOptions& options) {
  for (const auto& req : options.required) {
    if (std::find(names.begin(), names.end(), req) == names.end())
      throw Error(Errc::kNotFound, source + ": missing required column '" + escape_control(req) +
                                       "' (columns are: " + escape_control(list_names(names)) +
                                       ")");
  }
}

Table parse_once(std::string_view text, const std::string& source, const ReadCsvOptions& options,
                 const std::vector<bool>& force_string) {
  Tokenizer tok(text, source, options.delimiter);
  const auto names = parse_header(tok, source, options.delimiter);
  if (options.row_lines) options.row_lines->breaks.clear();  // a restarted parse starts again
  check_required(names, source, options);
  return parse_body(text, tok, names, source, options, force_string);
}

}  // namespace

std::size_t RowLines::line_of(std::size_t row) const {
  // The last break at or before the row; rows after it are on consecutive lines.
  auto it = std::upper_bound(breaks.begin(), breaks.end(), row,
                             [](std::size_t r, const auto& b) { return r < b.first; });
  if (it == breaks.begin()) return row + 2;  // no breaks: the header on line 1, rows after it
  --it;
  return it->second + (row - it->first);
}

Table parse_csv(std::string_view text, const std::string& source, const ReadCsvOptions& options) {
  std::vector<bool> force_string;
  for (;;) {
    try {
      return parse_once(text, source, options, force_string);
    } catch (const RestartAsString& restart) {
      // An inferred column holds text: read the file again with that column as strings. Each
      // restart fixes one more column, so this ends.
      if (force_string.empty()) {
        Tokenizer tok(text, source, options.delimiter);
        force_string.assign(parse_header(tok, source, options.delimiter).size(), false);
      }
      force_string[restart.column] = true;
    }
  }
}

Table read_csv(const std::string& path, const ReadCsvOptions& options) {
  if (path == "-") return parse_csv(read_file(path, true), "stdin", options);
  // Map the file rather than copy it: no zero-filled buffer, no second copy of a large input.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error(Errc::kIo, path + ": cannot open: " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size == 0) {
    ::close(fd);
    return parse_csv(read_file(path, true), path, options);  // pipes, devices, empty files
  }
  const auto size = static_cast<std::size_t>(st.st_size);
  void* data = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (data == MAP_FAILED) return parse_csv(read_file(path, true), path, options);
  ::madvise(data, size, MADV_SEQUENTIAL);
  struct Unmap {
    void* p;
    std::size_t n;
    ~Unmap() { ::munmap(p, n); }
  } unmap{data, size};
  return parse_csv(std::string_view(static_cast<const char*>(data), size), path, options);
}

namespace {
// CsvBatchReader::nul_checked_ for an input that is not checked for NUL bytes (a regular file).
constexpr std::size_t kNoNulCheck = std::numeric_limits<std::size_t>::max();
}  // namespace

CsvBatchReader::CsvBatchReader(const std::string& path, ReadCsvOptions options,
                               CsvBatchOptions batch)
    : source_(path == "-" ? "stdin" : path), options_(std::move(options)), batch_(batch) {
  batch_.batch_bytes = std::max<std::size_t>(batch_.batch_bytes, 1);
  if (path == "-") {
    fd_ = STDIN_FILENO;
  } else {
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) throw Error(Errc::kIo, path + ": cannot open: " + std::strerror(errno));
    own_fd_ = true;
  }
  struct stat st {};
  // Regular files are parsed whatever bytes they hold (a NUL in a cell is reported with the cell,
  // as read_csv does); pipes and devices are refused at a NUL byte (/dev/zero), as read_file does.
  if (::fstat(fd_, &st) == 0 && S_ISREG(st.st_mode)) nul_checked_ = kNoNulCheck;
  if (::fstat(fd_, &st) == 0 && S_ISDIR(st.st_mode)) {
    if (own_fd_) ::close(fd_);
    throw Error(Errc::kIo, source_ + ": cannot read: " + std::strerror(EISDIR));
  }
  try {
    // The header is complete once its newline is in the buffer (or the input has ended); a
    // header that fails to parse before then may only be cut short, so read on and try again.
    for (;;) {
      fill(buffer_.size() + std::min<std::size_t>(batch_.batch_bytes, std::size_t{1} << 20));
      Tokenizer tok(buffer_, source_, options_.delimiter);
      try {
        names_ = parse_header(tok, source_, options_.delimiter);
      } catch (const Error&) {
        if (eof_ || buffer_.size() > batch_.max_row_bytes) throw;
        continue;
      }
      const std::size_t end = tok.position();
      if (!eof_ && (end == 0 || buffer_[end - 1] != '\n')) {
        if (buffer_.size() > batch_.max_row_bytes)
          throw Error(Errc::kParse, source_ + ":1:1: a header row of more than " +
                                        std::to_string(batch_.max_row_bytes >> 20) + " MiB");
        continue;
      }
      begin_ = pending_ = end;
      line_ = tok.line();
      break;
    }
    check_required(names_, source_, options_);
  } catch (...) {
    if (own_fd_) ::close(fd_);
    throw;
  }
}

CsvBatchReader::~CsvBatchReader() {
  if (own_fd_) ::close(fd_);
}

bool CsvBatchReader::fill(std::size_t at_least) {
  bool read_any = false;
  while (!eof_ && buffer_.size() < at_least) {
    const std::size_t got = buffer_.size();
    buffer_.resize(at_least);
    const ssize_t n = ::read(fd_, buffer_.data() + got, at_least - got);
    if (n < 0) {
      const int err = errno;
      buffer_.resize(got);
      if (err == EINTR) continue;
      throw Error(Errc::kIo, source_ + ": cannot read: " + std::strerror(err));
    }
    buffer_.resize(got + static_cast<std::size_t>(n));
    if (n == 0) eof_ = true;
    read_any = read_any || n > 0;
  }
  // Binary data (/dev/zero) is refused at its first block, as read_file refuses it.
  if (nul_checked_ == kNoNulCheck) return read_any;
  if (const void* nul =
          std::memchr(buffer_.data() + nul_checked_, '\0', buffer_.size() - nul_checked_)) {
    const std::size_t at = static_cast<std::size_t>(static_cast<const char*>(nul) - buffer_.data());
    throw Error(Errc::kParse, source_ + ": byte " + std::to_string(offset_ + at + 1) +
                                  ": expected text, found a NUL byte (binary data?)");
  }
  nul_checked_ = buffer_.size();
  return read_any;
}

std::size_t CsvBatchReader::last_row_end(std::size_t from) const {
  const char* data = buffer_.data();
  const std::size_t n = buffer_.size();
  if (from >= n) return from;
  if (!std::memchr(data + from, '"', n - from)) {
    const void* nl = ::memrchr(data + from, '\n', n - from);
    return nl ? static_cast<std::size_t>(static_cast<const char*>(nl) - data) + 1 : from;
  }
  // Quotes toggle between inside and outside a quoted field (a doubled quote toggles twice): a
  // newline outside quotes ends a row.
  bool quoted = false;
  std::size_t end = from;
  for (std::size_t i = from; i < n; ++i) {
    if (data[i] == '"')
      quoted = !quoted;
    else if (data[i] == '\n' && !quoted)
      end = i + 1;
  }
  return end;
}

bool CsvBatchReader::next(Table& table) {
  for (;;) {
    // Drop the last batch's text; what it held back and what was read beyond it move to the
    // front.
    const std::size_t held = held_bytes_;
    line_ += count_lines(std::string_view(buffer_).substr(begin_, pending_ - begin_));
    buffer_.erase(0, pending_);
    offset_ += pending_;
    if (nul_checked_ != kNoNulCheck) nul_checked_ -= std::min(nul_checked_, pending_);
    begin_ = pending_ = 0;
    batch_rows_ = 0;
    held_bytes_ = 0;
    // The batch holds the held-back rows and at least one row more (at least batch_bytes more
    // unless the input ends): otherwise a caller holding back a whole batch would get it again.
    fill(held + batch_.batch_bytes);
    std::size_t cut = eof_ ? buffer_.size() : last_row_end(held);
    while (cut <= held && !eof_) {  // one row longer than the batch so far
      if (buffer_.size() > held + batch_.max_row_bytes) {
        // Say what is wrong with the row if the parser can (an unterminated quote), else its size.
        const std::string_view rest = std::string_view(buffer_).substr(held);
        const std::size_t line = line_ + count_lines(std::string_view(buffer_).substr(0, held));
        Tokenizer tok(rest, source_, options_.delimiter, line);
        ReadCsvOptions serial = options_;
        serial.parallel_for = {};
        serial.row_lines = nullptr;
        serial.types.clear();
        serial.other_columns = ColumnType::kString;
        parse_body(rest, tok, names_, source_, serial, {});
        throw Error(Errc::kParse, source_ + ":" + std::to_string(line) + ": a row of more than " +
                                      std::to_string(batch_.max_row_bytes >> 20) +
                                      " MiB (a missing newline or quote?)");
      }
      fill(buffer_.size() + batch_.batch_bytes);
      cut = eof_ ? buffer_.size() : last_row_end(held);
    }
    if (cut == 0) return false;  // nothing left
    const std::string_view text(buffer_.data(), cut);
    std::vector<bool> force_string;
    Table parsed;
    for (;;) {
      Tokenizer tok(text, source_, options_.delimiter, line_);
      if (options_.row_lines) options_.row_lines->breaks.clear();
      try {
        parsed = parse_body(text, tok, names_, source_, options_, force_string);
        break;
      } catch (const RestartAsString& restart) {
        if (force_string.empty()) force_string.assign(names_.size(), false);
        force_string[restart.column] = true;
      }
    }
    pending_ = cut;
    batch_rows_ = parsed.num_rows();
    if (batch_rows_ == 0) {
      if (at_end()) return false;
      continue;  // only blank lines
    }
    table = std::move(parsed);
    return true;
  }
}

void CsvBatchReader::hold_back(std::size_t rows) {
  if (rows == 0) return;
  if (rows > batch_rows_)
    throw Error(Errc::kInvalidArgument, source_ + ": cannot hold back " + std::to_string(rows) +
                                            " rows of a batch of " + std::to_string(batch_rows_));
  const char* data = buffer_.data();
  std::size_t at = pending_;
  if (!std::memchr(data + begin_, '"', pending_ - begin_)) {
    // Without quotes a row is a line that is not blank: walk back over lines.
    std::size_t left = rows;
    while (left > 0 && at > begin_) {
      std::size_t end = at;
      if (data[end - 1] == '\n') --end;
      const void* nl = ::memrchr(data + begin_, '\n', end - begin_);
      const std::size_t start =
          nl ? static_cast<std::size_t>(static_cast<const char*>(nl) - data) + 1 : begin_;
      const bool blank = end == start || (end == start + 1 && data[start] == '\r');
      if (!blank) --left;
      at = start;
    }
  } else {
    // Quoted fields may hold newlines: count rows from the front with the tokenizer.
    const std::string_view text(data + begin_, pending_ - begin_);
    Tokenizer tok(text, source_, options_.delimiter, line_);
    std::string_view field;
    for (std::size_t r = 0; r < batch_rows_ - rows && tok.start_row(); ++r)
      for (std::size_t c = 1; tok.next_field(field, c); ++c) {
      }
    tok.start_row();
    at = begin_ + tok.position();
  }
  held_bytes_ = pending_ - at;
  pending_ = at;
  batch_rows_ -= rows;
}

void append_csv_field(std::string& out, std::string_view field, char delimiter) {
  bool needs_quotes = false;
  for (char c : field) {
    if (c == delimiter || c == '"' || c == '\n' || c == '\r') {
      needs_quotes = true;
      break;
    }
  }
  if (!needs_quotes) {
    out.append(field);
    return;
  }
  out.push_back('"');
  for (char c : field) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
}

void append_csv_rows(std::string& out, const Table& table, std::size_t begin, std::size_t end,
                     char delimiter) {
  const auto& cols = table.columns();
  out.reserve(out.size() + (end - begin) * cols.size() * 12);
  // A row's numbers go into a buffer with room for all of them (kMaxDoubleChars covers an int64
  // too) and are appended to `out` at once: one copy per row instead of a string append per cell.
  // A text cell (unbounded) flushes the buffer and is appended itself.
  std::vector<char> row(cols.size() * (kMaxDoubleChars + 1) + 1);
  char* const start = row.data();
  for (std::size_t r = begin; r < end; ++r) {
    char* w = start;
    for (std::size_t c = 0; c < cols.size(); ++c) {
      if (c) *w++ = delimiter;
      const Column& col = cols[c];
      switch (col.dtype()) {
        case DType::kFloat64:
          w = write_double(w, col.f64()[r]);
          break;
        case DType::kInt64:
          w = std::to_chars(w, w + kMaxDoubleChars, col.i64()[r]).ptr;
          break;
        case DType::kString:
          out.append(start, static_cast<std::size_t>(w - start));
          append_csv_field(out, col.text(r), delimiter);
          w = start;
          break;
      }
    }
    *w++ = '\n';
    out.append(start, static_cast<std::size_t>(w - start));
  }
}

std::string csv_header(const Table& table, char delimiter) {
  std::string out;
  for (std::size_t c = 0; c < table.num_columns(); ++c) {
    if (c) out.push_back(delimiter);
    append_csv_field(out, table.column(c).name(), delimiter);
  }
  out.push_back('\n');
  return out;
}

namespace {

// Rows per formatting block: about 64k cells.
std::size_t csv_block_rows(const Table& table) {
  return std::max<std::size_t>(1, (std::size_t{1} << 16) / (table.num_columns() + 1));
}

}  // namespace

std::string format_csv(const Table& table, const WriteCsvOptions& options) {
  std::string out = csv_header(table, options.delimiter);
  const std::size_t rows = table.num_rows();
  // Blocks of about 64k cells, formatted independently (in parallel when a loop is given) and
  // joined in order: the same text.
  const std::size_t block = csv_block_rows(table);
  const std::size_t blocks = (rows + block - 1) / block;
  if (!options.parallel_for || blocks < 2) {
    append_csv_rows(out, table, 0, rows, options.delimiter);
    return out;
  }
  std::vector<std::string> parts(blocks);
  options.parallel_for(blocks, [&](std::size_t b) {
    append_csv_rows(parts[b], table, b * block, std::min(rows, (b + 1) * block), options.delimiter);
  });
  std::size_t total = out.size();
  for (const auto& p : parts) total += p.size();
  out.reserve(total);
  for (const auto& p : parts) out += p;
  return out;
}

void write_csv(const Table& table, const std::string& path, const WriteCsvOptions& options) {
  Outputs outputs;
  const std::size_t index = outputs.add(path);
  write_csv_to(outputs, index, table, options);
  outputs.commit();
}

void write_csv_to(Outputs& outputs, std::size_t index, const Table& table,
                  const WriteCsvOptions& options) {
  outputs.write(index, csv_header(table, options.delimiter));
  const std::size_t rows = table.num_rows();
  const std::size_t block = csv_block_rows(table);
  const std::size_t blocks = (rows + block - 1) / block;
  // 16 blocks (about 1M cells, ~15 MB of text) at a time: enough for the loop's threads, and the
  // part of the text held at once.
  constexpr std::size_t kGroup = 16;
  std::vector<std::string> parts(std::min(blocks, kGroup));
  for (std::size_t g = 0; g < blocks; g += kGroup) {
    const std::size_t n = std::min(kGroup, blocks - g);
    const auto format = [&](std::size_t i) {
      parts[i].clear();
      const std::size_t b = g + i;
      append_csv_rows(parts[i], table, b * block, std::min(rows, (b + 1) * block),
                      options.delimiter);
    };
    if (options.parallel_for && n > 1)
      options.parallel_for(n, format);
    else
      for (std::size_t i = 0; i < n; ++i) format(i);
    for (std::size_t i = 0; i < n; ++i) outputs.write(index, std::string_view(parts[i]));
  }
}

}  // namespace freshet
