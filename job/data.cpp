#include "job/data.hpp"

#include <cmath>

#include "core/csv.hpp"
#include "core/error.hpp"
#include "fresh/relevance.hpp"
#include "job/hash.hpp"

namespace freshet::job {

namespace {
template <class F>
auto with_pointer(const std::string& pointer, F&& f) {
  try {
    return f();
  } catch (const Error& e) {
    throw Error(e.code(), pointer + ": " + e.what());
  }
}
}  // namespace

SeriesInput read_series_input(const JobDataset& d, const std::string& pointer,
                              mproc::Executor& executor) {
  SeriesInput in;
  fresh::InputOptions io;
  io.column_id = d.id_column;
  io.column_sort = d.column_sort;
  io.column_kind = d.column_kind;
  io.column_value = d.column_value;
  in.series = with_pointer(pointer + "/series", [&] {
    return fresh::read_series_csv(d.series, io, [&executor](std::size_t n, const auto& body) {
      executor.parallel_for(n, body);
    });
  });
  const Table labels = with_pointer(pointer + "/labels", [&] {
    ReadCsvOptions ro;
    ro.required = {d.id_column, d.target};
    return read_csv(d.labels, ro);
  });
  Table ids;
  Column id_col = in.series.ids;
  id_col.set_name(d.id_column);
  ids.add_column(std::move(id_col));
  in.target = with_pointer(pointer + "/labels", [&] {
    try {
      return fresh::align_target(ids, labels, d.target, d.id_column);
    } catch (const Error& e) {
      throw Error(e.code(), d.series + " / " + d.labels + ": " + e.what());
    }
  });
  for (std::size_t i = 0; i < in.target.size(); ++i) {
    const bool missing = in.target.dtype() == DType::kString    ? in.target.str()[i].empty()
                         : in.target.dtype() == DType::kFloat64 ? std::isnan(in.target.f64()[i])
                                                                : false;
    if (missing)
      throw Error(Errc::kInvalidArgument, pointer + "/labels: " + d.labels + ": id " +
                                              in.series.ids.as_string(i) + " has no '" + d.target +
                                              "' value");
  }
  in.target.set_name(d.target);
  return in;
}

Table read_table_input(const JobDataset& d, const std::string& pointer, mproc::Executor& executor) {
  return with_pointer(pointer + "/table", [&] {
    ReadCsvOptions ro;
    ro.required = {d.target};
    ro.parallel_for = [&executor](std::size_t n, const std::function<void(std::size_t)>& body) {
      executor.parallel_for(n, body);
    };
    return read_csv(d.table, ro);
  });
}

std::string dataset_digest(const JobDataset& d) {
  ContentHash h;
  h.field("dataset-v1");
  for (const auto* path : {&d.series, &d.labels, &d.table})
    h.field(path->empty() ? std::string() : file_digest(*path));
  for (const auto* s : {&d.id_column, &d.target, &d.column_sort, &d.column_kind, &d.column_value,
                        &d.features_preset})
    h.field(*s);
  h.field(d.features_settings.empty() ? "" : file_digest(d.features_settings));
  h.field(d.features_from_columns.empty() ? "" : file_digest(d.features_from_columns));
  h.field(d.impute ? "impute" : "raw");
  return h.hex();
}

xval::Dataset table_dataset(const Table& table, const JobDataset& d, const std::string& pointer) {
  return with_pointer(pointer, [&] {
    xval::DatasetOptions o;
    o.target = d.target;
    if (!d.table.empty() && table.has_column(d.id_column)) o.exclude = {d.id_column};
    xval::Dataset data = xval::make_dataset(table, o);
    data.split_columns = Table{};
    return data;
  });
}

}  // namespace freshet::job
