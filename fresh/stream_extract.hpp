#pragma once
// Extraction from a CSV input larger than memory: read, extract and keep the features id group by
// id group, in batches, never holding the whole input.
//
//   StreamResult r = extract_csv_streaming("big.csv", {}, preset_settings("minimal"), executor);
//   if (r.result) write_csv(r.result->features, "features.csv");
//   else { /* r.reason says why; read_series_csv + extract_features as usual */ }
//
// Output: the same bytes as read_series_csv + extract_features on the whole input (features, ids,
// warnings and their order), for every backend, worker count and batch size.
//
// What it needs: rows grouped by id -- all rows of an id one after another, the groups in any
// order (the output is sorted by id as always). Rows are read in batches of about
// `batch_bytes` of text (CsvBatchReader); a batch ends after the last whole id group in it (the
// rows of the id still open are read again with the next batch), so memory holds one batch,
// its largest id group and the output (one row of features per id), whatever the input's size.
// Each batch is extracted by extract_features on the executor: its series are cut into the usual
// chunks, so every worker has work.
//
// When the input cannot be streamed, nothing is returned for a file (StreamResult::reason says
// why; the caller reads it whole and gets the same answer) and standard input, which cannot be
// read twice, is Error(kInvalidArgument) naming the line and the fix. That is the case when an id
// appears again after another id (an id reappears), when ids are all integers but two spellings
// name one id ("7" and "007"), or when the sort column holds time stamps in one batch and numbers
// in another. Every other error (a bad cell, a missing column) is the whole-input path's error,
// naming the same file line.

#include <cstddef>
#include <optional>
#include <string>

#include "core/parallel.hpp"
#include "fresh/extract.hpp"
#include "fresh/input.hpp"
#include "fresh/settings.hpp"
#include "mproc/executor.hpp"

namespace freshet::fresh {

// (Not "StreamOptions": fresh/stream.hpp's options of `freshet stream` have that name, and two
// types of one name in one namespace break the one-definition rule, which only an LTO build
// reports.)
struct StreamingExtractOptions {
  // Text per batch (> 0). Larger batches give the executor more series per round; memory grows
  // with it (about 5 bytes of working memory per byte of text).
  std::size_t batch_bytes = std::size_t{32} << 20;
  // As read_series_csv's: how the CSV reader parses a batch in parallel.
  ParallelFor parallel_for = {};
  // Chunking of each batch (ExtractOptions::progress is not called: the total is unknown).
  ExtractOptions extract = {};
};

struct StreamResult {
  std::optional<ExtractResult> result;  // empty: the input (a file) cannot be streamed
  std::string reason;                   // why not, naming the line and id
};

// Reads `path` ("-": standard input) as read_series_csv reads it and extracts as extract_features
// does. Throws as they do (validation of the settings happens before the first batch is
// extracted, and again for each batch's kinds).
StreamResult extract_csv_streaming(const std::string& path, const InputOptions& input,
                                   const Settings& settings, mproc::Executor& executor,
                                   const StreamingExtractOptions& options = {});

}  // namespace freshet::fresh
