// `freshet info FILE`: reads a table or a long/wide series file and prints a summary of it.
#include <cmath>
#include <iostream>
#include <map>
#include <set>

#include "cli/command.hpp"
#include "core/csv.hpp"
#include "core/format.hpp"

namespace freshet::cli {
namespace {

std::function<int()> setup_info(CLI::App& app, const Common& common) {
  auto path = std::make_shared<std::string>();
  app.add_option("FILE", *path, "CSV file (a table, or series in long or wide layout)")
      ->required()
      ->type_name("FILE.csv");
  return [path, &common] {
    const Table table = read_csv(*path);
    std::cout << *path << ": " << table.num_rows() << " rows, " << table.num_columns()
              << " columns\n";
    for (const auto& col : table.columns()) {
      std::cout << "  " << col.name() << " (" << dtype_name(col.dtype()) << ")";
      if (col.is_numeric()) {
        const auto v = col.to_f64();
        double lo = INFINITY, hi = -INFINITY, sum = 0;
        std::size_t missing = 0, finite = 0;
        for (double x : v) {
          if (std::isnan(x)) {
            ++missing;
            continue;
          }
          lo = std::min(lo, x);
          hi = std::max(hi, x);
          if (std::isfinite(x)) {
            sum += x;
            ++finite;
          }
        }
        std::cout << ": min " << format_double(lo) << ", max " << format_double(hi) << ", mean "
                  << format_double(finite ? sum / static_cast<double>(finite) : NAN)
                  << ", missing " << missing;
      } else {
        std::set<std::string> distinct(col.str().begin(), col.str().end());
        std::cout << ": " << distinct.size() << " distinct";
      }
      std::cout << "\n";
    }
    if (table.has_column("id")) {
      std::map<std::string, std::size_t> per_id;
      const auto& id = table.column("id");
      for (std::size_t i = 0; i < table.num_rows(); ++i) ++per_id[id.as_string(i)];
      std::size_t lo = SIZE_MAX, hi = 0;
      for (const auto& [k, n] : per_id) lo = std::min(lo, n), hi = std::max(hi, n);
      std::cout << "  " << per_id.size() << " ids, " << lo << ".." << hi << " rows per id\n";
    }
    return 0;
  };
}

FRESHET_COMMAND("info", "summarise a CSV file (columns, types, ranges, ids)", setup_info, 90);

}  // namespace
}  // namespace freshet::cli
