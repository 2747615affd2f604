#pragma once
// Reading a job's datasets: the series + labels or the table a JobDataset names, with every
// error prefixed by the dataset's JSON pointer ("/datasets/1/labels: labels.csv: ...").
// Thread-safety: pure functions of the files.

#include <string>

#include "core/table.hpp"
#include "fresh/input.hpp"
#include "job/job.hpp"
#include "mproc/executor.hpp"
#include "xval/cross_validate.hpp"

namespace freshet::job {

// The series of a series dataset and its target aligned to the series' ids (ascending).
struct SeriesInput {
  fresh::SeriesSet series;
  Column target;
};
// `pointer` is the dataset's ("/datasets/0"). Throws Error naming pointer + file + line, or the
// ids that miss a label.
SeriesInput read_series_input(const JobDataset& d, const std::string& pointer,
                              mproc::Executor& executor);
// The table of a table dataset.
Table read_table_input(const JobDataset& d, const std::string& pointer, mproc::Executor& executor);

// Digest of everything a dataset's feature matrix depends on: the files' bytes, the columns, the
// feature settings and imputation.
std::string dataset_digest(const JobDataset& d);

// A table (features + target column named d.target) as a dataset for cross-validation.
xval::Dataset table_dataset(const Table& table, const JobDataset& d, const std::string& pointer);

}  // namespace freshet::job
