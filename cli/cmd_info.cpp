// `freshet info FILE`: reads a table or a long/wide series file and prints a summary of it.
#include <cmath>
#include <iostream>
#include <nlohmann/json.hpp>
#include <unordered_map>
#include <unordered_set>

#include "cli/command.hpp"
#include "core/csv.hpp"
#include "core/format.hpp"

namespace freshet::cli {
namespace {

struct ColumnSummary {
  bool numeric = false;
  double lo = INFINITY, hi = -INFINITY, mean = NAN;
  std::size_t missing = 0, distinct = 0;
};

ColumnSummary summarise(const Column& col) {
  ColumnSummary s;
  s.numeric = col.is_numeric();
  if (!s.numeric) {
    std::unordered_set<std::string_view> distinct(col.str().begin(), col.str().end());
    s.distinct = distinct.size();
    return s;
  }
  const auto v = col.to_f64();
  double sum = 0;
  std::size_t finite = 0;
  for (double x : v) {
    if (std::isnan(x)) {
      ++s.missing;
      continue;
    }
    s.lo = std::min(s.lo, x);
    s.hi = std::max(s.hi, x);
    if (std::isfinite(x)) {
      sum += x;
      ++finite;
    }
  }
  s.mean = finite ? sum / static_cast<double>(finite) : NAN;
  return s;
}

// A double for JSON: numbers as numbers, NaN and infinities as their text (JSON has none).
nlohmann::json json_number(double x) {
  return std::isfinite(x) ? nlohmann::json(x) : nlohmann::json(format_double(x));
}

std::function<int()> setup_info(CLI::App& app, const Common& common) {
  auto path = std::make_shared<std::string>();
  auto format = std::make_shared<std::string>("text");
  app.add_option("FILE", *path, "CSV file (a table, or series in long or wide layout); '-': stdin")
      ->required()
      ->type_name("FILE.csv");
  add_format_option(app, *format);
  return [path, format, &common] {
    ReadCsvOptions options;
    options.types = {{"id", ColumnType::kIntegerOrText}};  // ids are never rounded
    const Table table = read_csv(*path, options);
    const std::string name = *path == "-" ? "stdin" : *path;
    nlohmann::json doc = {
        {"file", name}, {"rows", table.num_rows()}, {"columns", nlohmann::json::array()}};
    if (*format == "text")
      std::cout << name << ": " << table.num_rows() << " rows, " << table.num_columns()
                << " columns\n";
    for (const auto& col : table.columns()) {
      const ColumnSummary s = summarise(col);
      if (*format == "json") {
        nlohmann::json c = {{"name", col.name()}, {"type", dtype_name(col.dtype())}};
        if (s.numeric) {
          c["min"] = json_number(s.lo);
          c["max"] = json_number(s.hi);
          c["mean"] = json_number(s.mean);
          c["missing"] = s.missing;
        } else {
          c["distinct"] = s.distinct;
        }
        doc["columns"].push_back(std::move(c));
        continue;
      }
      std::cout << "  " << col.name() << " (" << dtype_name(col.dtype()) << ")";
      if (s.numeric)
        std::cout << ": min " << format_double(s.lo) << ", max " << format_double(s.hi) << ", mean "
                  << format_double(s.mean) << ", missing " << s.missing;
      else
        std::cout << ": " << s.distinct << " distinct";
      std::cout << "\n";
    }
    if (table.has_column("id")) {
      std::unordered_map<std::string, std::size_t> per_id;
      const auto& id = table.column("id");
      for (std::size_t i = 0; i < table.num_rows(); ++i) ++per_id[id.as_string(i)];
      std::size_t lo = per_id.empty() ? 0 : SIZE_MAX, hi = 0;
      for (const auto& [k, n] : per_id) lo = std::min(lo, n), hi = std::max(hi, n);
      if (*format == "json")
        doc["ids"] = {{"count", per_id.size()}, {"min_rows", lo}, {"max_rows", hi}};
      else
        std::cout << "  " << per_id.size() << " ids, " << lo << ".." << hi << " rows per id\n";
    }
    if (*format == "json") std::cout << doc.dump(2) << "\n";
    (void)common;
    return 0;
  };
}

FRESHET_COMMAND("info", "summarise a CSV file (columns, types, ranges, ids)", setup_info, 90);

}  // namespace
}  // namespace freshet::cli
