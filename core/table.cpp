#include "core/table.hpp"

#include <algorithm>
#include <cmath>
#include <type_traits>

#include "core/error.hpp"
#include "core/format.hpp"

namespace freshet {

std::string_view dtype_name(DType type) noexcept {
  switch (type) {
    case DType::kFloat64:
      return "float64";
    case DType::kInt64:
      return "int64";
    case DType::kString:
      return "string";
  }
  return "unknown";
}

Column::Column(std::string name, std::vector<double> values)
    : name_(std::move(name)), data_(std::move(values)) {}
Column::Column(std::string name, std::vector<std::int64_t> values)
    : name_(std::move(name)), data_(std::move(values)) {}
Column::Column(std::string name, std::vector<std::string> values)
    : name_(std::move(name)), data_(std::move(values)) {}
Column::Column(std::string name, DictionaryStrings values)
    : name_(std::move(name)), data_(std::move(values)) {
  const auto& d = std::get<DictionaryStrings>(data_);
  for (const std::uint32_t c : d.codes)
    if (c >= d.values.size())
      throw Error(Errc::kInvalidArgument, "column '" + name_ + "': dictionary code " +
                                              std::to_string(c) + " of " +
                                              std::to_string(d.values.size()) + " values");
}

std::size_t Column::size() const {
  return std::visit(
      [](const auto& v) {
        if constexpr (std::is_same_v<std::remove_cvref_t<decltype(v)>, DictionaryStrings>)
          return v.codes.size();
        else
          return v.size();
      },
      data_);
}

namespace {
[[noreturn]] void wrong_type(const std::string& name, DType have, DType want) {
  throw Error(Errc::kInvalidArgument, "column '" + name + "' is " + std::string(dtype_name(have)) +
                                          ", expected " + std::string(dtype_name(want)));
}
}  // namespace

std::span<const double> Column::f64() const {
  if (auto* v = std::get_if<std::vector<double>>(&data_)) return *v;
  wrong_type(name_, dtype(), DType::kFloat64);
}
std::span<const std::int64_t> Column::i64() const {
  if (auto* v = std::get_if<std::vector<std::int64_t>>(&data_)) return *v;
  wrong_type(name_, dtype(), DType::kInt64);
}
std::span<const std::string> Column::str() const {
  if (auto* v = std::get_if<std::vector<std::string>>(&data_)) return *v;
  if (is_dictionary())
    throw Error(Errc::kInvalidArgument,
                "column '" + name_ + "' is dictionary-encoded: read it with text()");
  wrong_type(name_, dtype(), DType::kString);
}
const DictionaryStrings& Column::dictionary() const {
  if (auto* v = std::get_if<DictionaryStrings>(&data_)) return *v;
  throw Error(Errc::kInvalidArgument, "column '" + name_ + "' is not dictionary-encoded");
}
std::string_view Column::text(std::size_t i) const {
  if (auto* v = std::get_if<std::vector<std::string>>(&data_)) return (*v)[i];
  if (auto* d = std::get_if<DictionaryStrings>(&data_)) return d->values[d->codes[i]];
  wrong_type(name_, dtype(), DType::kString);
}
std::vector<double>& Column::f64_mut() {
  if (auto* v = std::get_if<std::vector<double>>(&data_)) return *v;
  wrong_type(name_, dtype(), DType::kFloat64);
}
std::vector<std::int64_t>& Column::i64_mut() {
  if (auto* v = std::get_if<std::vector<std::int64_t>>(&data_)) return *v;
  wrong_type(name_, dtype(), DType::kInt64);
}
std::vector<std::string>& Column::str_mut() {
  if (auto* d = std::get_if<DictionaryStrings>(&data_)) {
    std::vector<std::string> plain;
    plain.reserve(d->codes.size());
    for (const std::uint32_t c : d->codes) plain.push_back(d->values[c]);
    data_ = std::move(plain);
  }
  if (auto* v = std::get_if<std::vector<std::string>>(&data_)) return *v;
  wrong_type(name_, dtype(), DType::kString);
}

double Column::as_double(std::size_t i) const {
  if (auto* v = std::get_if<std::vector<double>>(&data_)) return (*v)[i];
  if (auto* v = std::get_if<std::vector<std::int64_t>>(&data_)) return static_cast<double>((*v)[i]);
  wrong_type(name_, DType::kString, DType::kFloat64);
}

std::string Column::as_string(std::size_t i) const {
  if (auto* v = std::get_if<std::vector<double>>(&data_)) return format_double((*v)[i]);
  if (auto* v = std::get_if<std::vector<std::int64_t>>(&data_)) return std::to_string((*v)[i]);
  return std::string(text(i));
}

std::vector<double> Column::to_f64() const {
  if (auto* v = std::get_if<std::vector<double>>(&data_)) return *v;
  if (auto* v = std::get_if<std::vector<std::int64_t>>(&data_))
    return std::vector<double>(v->begin(), v->end());
  wrong_type(name_, DType::kString, DType::kFloat64);
}

namespace {
template <class T>
std::vector<T> gather(const std::vector<T>& v, std::span<const std::size_t> rows) {
  std::vector<T> r;
  r.reserve(rows.size());
  for (std::size_t i : rows) r.push_back(v[i]);
  return r;
}
}  // namespace

Column Column::take(std::span<const std::size_t> rows) const {
  Column out;
  out.name_ = name_;
  out.data_ = std::visit(
      [&](const auto& v) -> Storage {
        if constexpr (std::is_same_v<std::remove_cvref_t<decltype(v)>, DictionaryStrings>)
          return DictionaryStrings{gather(v.codes, rows), v.values};
        else
          return gather(v, rows);
      },
      data_);
  return out;
}

void Column::truncate(std::size_t rows) {
  std::visit(
      [&](auto& v) {
        if constexpr (std::is_same_v<std::remove_cvref_t<decltype(v)>, DictionaryStrings>)
          v.codes.resize(std::min(rows, v.codes.size()));
        else
          v.resize(std::min(rows, v.size()));
      },
      data_);
}

bool Column::operator==(const Column& other) const {
  if (name_ != other.name_ || dtype() != other.dtype()) return false;
  if (is_dictionary() || other.is_dictionary()) {
    if (size() != other.size()) return false;
    for (std::size_t i = 0; i < size(); ++i)
      if (text(i) != other.text(i)) return false;
    return true;
  }
  if (auto* a = std::get_if<std::vector<double>>(&data_)) {
    const auto& b = std::get<std::vector<double>>(other.data_);
    if (a->size() != b.size()) return false;
    for (std::size_t i = 0; i < a->size(); ++i) {
      const double x = (*a)[i], y = b[i];
      if (!(x == y || (std::isnan(x) && std::isnan(y)))) return false;
    }
    return true;
  }
  return data_ == other.data_;
}

std::vector<std::string> Table::column_names() const {
  std::vector<std::string> names;
  names.reserve(columns_.size());
  for (const auto& c : columns_) names.push_back(c.name());
  return names;
}

void Table::add_column(Column column) {
  if (has_column(column.name()))
    throw Error(Errc::kInvalidArgument, "duplicate column '" + column.name() + "'");
  if (!columns_.empty() && column.size() != num_rows())
    throw Error(Errc::kInvalidArgument, "column '" + column.name() + "' has " +
                                            std::to_string(column.size()) + " rows, table has " +
                                            std::to_string(num_rows()));
  index_.emplace(column.name(), columns_.size());
  columns_.push_back(std::move(column));
}

std::ptrdiff_t Table::find_column(std::string_view name) const {
  const auto it = index_.find(name);
  if (it == index_.end()) return -1;
  return static_cast<std::ptrdiff_t>(it->second);
}

bool Table::has_column(std::string_view name) const { return find_column(name) >= 0; }

std::string list_names(std::span<const std::string> names, std::size_t limit) {
  std::string out;
  for (std::size_t i = 0; i < names.size() && i < limit; ++i) out += (i ? ", " : "") + names[i];
  if (names.size() > limit) out += ", ... (" + std::to_string(names.size()) + " in all)";
  return out;
}

const Column& Table::column(std::string_view name) const {
  const auto i = find_column(name);
  if (i < 0) {
    const auto names = column_names();
    throw Error(Errc::kNotFound, "missing column '" + std::string(name) + "' " +
                                     (names.empty() ? std::string("(the table has no columns)")
                                                    : "(columns are: " + list_names(names) + ")"));
  }
  return columns_[static_cast<std::size_t>(i)];
}

Column& Table::column_mut(std::string_view name) {
  return const_cast<Column&>(static_cast<const Table&>(*this).column(name));
}

void Table::drop_column(std::string_view name) {
  const auto i = find_column(name);
  if (i < 0) return;
  // Unindex first: `name` may view the column's own name (drop_column(t.column(0).name())).
  index_.erase(index_.find(name));
  columns_.erase(columns_.begin() + i);
  for (auto& [n, at] : index_)
    if (at > static_cast<std::size_t>(i)) --at;
}

void Table::rename_column(std::string_view from, const std::string& to) {
  const auto i = find_column(from);
  if (i < 0) column(from);  // throws, naming the columns
  if (from == to) return;
  if (has_column(to)) throw Error(Errc::kInvalidArgument, "duplicate column '" + to + "'");
  index_.erase(index_.find(from));
  columns_[static_cast<std::size_t>(i)].set_name(to);
  index_.emplace(to, static_cast<std::size_t>(i));
}

Table Table::take(std::span<const std::size_t> rows) const {
  Table out;
  out.columns_.reserve(columns_.size());
  for (const auto& c : columns_) out.columns_.push_back(c.take(rows));
  out.index_ = index_;
  return out;
}

void Table::truncate(std::size_t rows) {
  for (auto& c : columns_) c.truncate(rows);
}

Table Table::select(std::span<const std::string> names) const {
  Table out;
  for (const auto& n : names) out.add_column(column(n));
  return out;
}

}  // namespace freshet
