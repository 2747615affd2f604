#pragma once
// The job's HTML report: one self-contained file (no script, no network, no external file),
// charts as inline SVG drawn here, deterministic bytes (no dates, no timings).
//
// Sections (each an element with the id given, so tests and users can link them):
//   #summary            the job: datasets, pipelines, splitters, scorers, freshet version
//   #across-datasets    mean ranks per pipeline over datasets, Friedman's test (with Iman-
//                       Davenport's F) and a critical-difference diagram (Nemenyi, alpha 0.05,
//                       q from Demšar 2006 Table 5a, k <= 10); with one dataset, a note instead
//   #dataset-<id>       per dataset:
//     #ranking-<id>       table: pipeline, best candidate, mean +- std of each scorer, rank
//     #folds-<id>         box plot with every fold's score as a point, per pipeline
//     #response-<id>      mean score against each searched parameter, per pipeline
//     #best-<id>          the best pipeline's confusion matrix (classification, out-of-fold
//                         predictions pooled over folds) or predicted-vs-true scatter (regression)

#include <string>

#include "job/results.hpp"

namespace freshet::job {

std::string render_report(const JobResults& results);

}  // namespace freshet::job
