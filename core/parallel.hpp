#pragma once
// How core code runs independent pieces of work without starting threads itself (habit: library
// code takes the executor's loop). The caller passes mproc::Executor::parallel_for (or a
// TaskContext's); empty means serial. body(i) must be safe to run concurrently for different i.

#include <cstddef>
#include <functional>

namespace freshet {

using ParallelFor =
    std::function<void(std::size_t n, const std::function<void(std::size_t)>& body)>;

}  // namespace freshet
