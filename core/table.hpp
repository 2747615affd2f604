#pragma once
// A columnar table of named, typed columns: float64, int64 and string (ids, kinds, labels).
// A string column is stored either as one std::string per row or dictionary-encoded (a 32-bit
// code per row into a list of distinct values: kinds and ids repeat, so a row costs 4 bytes
// instead of 32). Both are DType::kString and read the same through text()/as_string(); str()
// and str_mut() see plain storage (str_mut() decodes a dictionary column in place).
//
// Columns are value types (std::vector storage); a Table owns its columns. Row subsets are index
// lists: take() gathers the listed rows into a new table, which is the only copy a subset makes.
// Missing values: NaN in float64 columns; int64 columns have none (the CSV reader reads an
// integer column with a missing cell as float64, as pandas does); a missing string is "".
// Not thread-safe for mutation; concurrent const access is safe.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

namespace freshet {

enum class DType { kFloat64, kInt64, kString };
std::string_view dtype_name(DType type) noexcept;

// A dictionary-encoded string column: row i is values[codes[i]] (every code < values.size()).
// Values are distinct, in order of first appearance when the CSV reader builds them.
struct DictionaryStrings {
  std::vector<std::uint32_t> codes;
  std::vector<std::string> values;
  bool operator==(const DictionaryStrings&) const = default;
};

class Column {
 public:
  using Storage = std::variant<std::vector<double>, std::vector<std::int64_t>,
                               std::vector<std::string>, DictionaryStrings>;

  Column() = default;
  Column(std::string name, std::vector<double> values);
  Column(std::string name, std::vector<std::int64_t> values);
  Column(std::string name, std::vector<std::string> values);
  // Throws Error(kInvalidArgument) if a code is out of range.
  Column(std::string name, DictionaryStrings values);

  const std::string& name() const { return name_; }
  void set_name(std::string name) { name_ = std::move(name); }
  DType dtype() const {
    return data_.index() == 3 ? DType::kString : static_cast<DType>(data_.index());
  }
  bool is_dictionary() const { return data_.index() == 3; }
  std::size_t size() const;
  bool is_numeric() const { return dtype() != DType::kString; }

  // Typed access. Throws Error(kInvalidArgument) naming the column if the type differs (str() also
  // for a dictionary-encoded column: read it with text(), or dictionary()).
  std::span<const double> f64() const;
  std::span<const std::int64_t> i64() const;
  std::span<const std::string> str() const;
  const DictionaryStrings& dictionary() const;
  // Row i of a string column, either storage (a view valid while the column is unchanged).
  std::string_view text(std::size_t i) const;
  std::vector<double>& f64_mut();
  std::vector<std::int64_t>& i64_mut();
  std::vector<std::string>& str_mut();

  // Value of row i as double (int64 converted; throws for strings).
  double as_double(std::size_t i) const;
  // Value of row i as text: strings as they are, numbers in shortest round-trip form.
  std::string as_string(std::size_t i) const;
  // The whole column as doubles (copy; throws for strings).
  std::vector<double> to_f64() const;

  // Gathers rows (each index < size()); a dictionary column keeps its dictionary.
  Column take(std::span<const std::size_t> rows) const;
  // Keeps the first `rows` rows (rows <= size()).
  void truncate(std::size_t rows);

  // NaN == NaN, same bits not required; string columns compare row texts, whatever the storage.
  bool operator==(const Column& other) const;

 private:
  std::string name_;
  Storage data_;
};

class Table {
 public:
  Table() = default;

  std::size_t num_rows() const { return columns_.empty() ? 0 : columns_.front().size(); }
  std::size_t num_columns() const { return columns_.size(); }
  const std::vector<Column>& columns() const { return columns_; }
  std::vector<std::string> column_names() const;

  // Appends a column. Throws Error(kInvalidArgument) on a duplicate name or a length that differs
  // from num_rows() (when the table already has columns).
  void add_column(Column column);
  // Throws Error(kNotFound) naming the column and listing (the first of) the ones present.
  const Column& column(std::string_view name) const;
  // The column to change in place; rename it with rename_column, never through this reference
  // (the table's name index would not see the new name).
  Column& column_mut(std::string_view name);
  const Column& column(std::size_t index) const { return columns_.at(index); }
  bool has_column(std::string_view name) const;
  // Index of the column, or -1. Name look-ups are hashed: O(1), so tables of a million columns
  // are built and searched in linear time.
  std::ptrdiff_t find_column(std::string_view name) const;
  void drop_column(std::string_view name);
  // Throws Error(kNotFound) for a missing column, Error(kInvalidArgument) if `to` exists.
  void rename_column(std::string_view from, const std::string& to);

  // New table with the listed rows in the listed order.
  Table take(std::span<const std::size_t> rows) const;
  // Keeps the first `rows` rows of every column (rows <= num_rows()).
  void truncate(std::size_t rows);
  // New table with the named columns in the given order.
  Table select(std::span<const std::string> names) const;

  bool operator==(const Table& other) const { return columns_ == other.columns_; }

 private:
  struct NameHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>{}(s);
    }
  };
  std::vector<Column> columns_;
  std::unordered_map<std::string, std::size_t, NameHash, std::equal_to<>> index_;  // name -> column
};

// "a, b, c" for a message: the first `limit` names, then "... (N in all)"; "" when there are none.
std::string list_names(std::span<const std::string> names, std::size_t limit = 20);

}  // namespace freshet
