#pragma once
// Writes a finished job's outputs (see run.hpp for the list) into `out`, each file atomically.
// Deterministic bytes (timings.csv excepted). Throws Error(kIo) naming the file.

#include <string>

#include "job/results.hpp"

namespace freshet::job {

void write_outputs(const JobResults& results, const std::string& out, bool write_report);

}  // namespace freshet::job
