#pragma once
// Typed fronts over Executor::map, in q's words (see mproc/README.md):
//
//   peach_each<R>(ex, "f", items)      f each item             -> results in item order
//   peach_pairs<R>(ex, "g", xs, ys)    g over (x_i, y_i) pairs -> results in pair order
//   peach_cut<R>(ex, "h", items, k)    .Q.fc: h over k contiguous slices, results concatenated
//
// and the matching task adapters that turn a typed function into a registered TaskFn:
//
//   FRESHET_TASK("demo.func", mproc::unary_task(&func));       // R func(const A&)
//   FRESHET_TASK("demo.pow",  mproc::binary_task(&pow2));      // R g(const A&, const B&)
//   FRESHET_TASK("demo.norm", mproc::cut_task(&normalise));    // std::vector<R> h(std::span<const
//   T>)
//
// Supported value types: arithmetic types, std::string, std::vector of arithmetic types, and
// std::pair of supported types. A front and its adapter must agree on the types (the bytes carry
// no type tags); a mismatch surfaces as Error(kParse) "truncated message" from the task.
//
// Like map(): with no workers (serial) or one item the call runs inline on the calling thread;
// failures throw as Executor::map documents. Thread-safety: as Executor::map.

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/bytes.hpp"
#include "core/error.hpp"
#include "mproc/executor.hpp"
#include "mproc/registry.hpp"

namespace freshet::mproc {

namespace codec {

template <class T>
struct is_vector : std::false_type {};
template <class T, class A>
struct is_vector<std::vector<T, A>> : std::true_type {};
template <class T>
struct is_pair : std::false_type {};
template <class A, class B>
struct is_pair<std::pair<A, B>> : std::true_type {};

template <class T>
void encode(ByteWriter& w, const T& value) {
  if constexpr (std::is_arithmetic_v<T>) {
    w.put(value);
  } else if constexpr (std::is_same_v<T, std::string>) {
    w.put_string(value);
  } else if constexpr (is_vector<T>::value) {
    static_assert(std::is_arithmetic_v<typename T::value_type>, "vectors of arithmetic types only");
    w.put_span(std::span<const typename T::value_type>(value));
  } else if constexpr (is_pair<T>::value) {
    encode(w, value.first);
    encode(w, value.second);
  } else {
    static_assert(sizeof(T) == 0, "unsupported type for peach: see mproc/peach.hpp");
  }
}

template <class T>
T decode(ByteReader& r) {
  if constexpr (std::is_arithmetic_v<T>) {
    return r.get<T>();
  } else if constexpr (std::is_same_v<T, std::string>) {
    return r.get_string();
  } else if constexpr (is_vector<T>::value) {
    return r.get_vector<typename T::value_type>();
  } else if constexpr (is_pair<T>::value) {
    auto first = decode<typename T::first_type>(r);
    auto second = decode<typename T::second_type>(r);
    return T{std::move(first), std::move(second)};
  } else {
    static_assert(sizeof(T) == 0, "unsupported type for peach: see mproc/peach.hpp");
  }
}

template <class T>
Bytes to_bytes(const T& value) {
  ByteWriter w;
  encode(w, value);
  return std::move(w).take();
}

// Decodes a whole message: trailing bytes mean the two sides disagree on the type.
template <class T>
T from_bytes(std::span<const std::byte> bytes) {
  ByteReader r(bytes);
  T value = decode<T>(r);
  if (!r.at_end())
    throw Error(Errc::kParse,
                "peach: message longer than its declared type (the front and the "
                "task disagree on the argument or result type)");
  return value;
}

template <class R>
std::vector<R> decode_all(const std::vector<Bytes>& results) {
  std::vector<R> out;
  out.reserve(results.size());
  for (const auto& r : results) out.push_back(from_bytes<R>(r));
  return out;
}

}  // namespace codec

// ---- fronts ------------------------------------------------------------------------------------

// q's `f peach items`: results in item order.
template <class R, class A>
std::vector<R> peach_each(Executor& executor, std::string_view task, std::span<const A> items) {
  std::vector<Bytes> args;
  args.reserve(items.size());
  for (const auto& item : items) args.push_back(codec::to_bytes(item));
  return codec::decode_all<R>(executor.map(task, args));
}
template <class R, class A>
std::vector<R> peach_each(Executor& executor, std::string_view task, const std::vector<A>& items) {
  return peach_each<R, A>(executor, task, std::span<const A>(items));
}

// The binary form, `g'[xs; ys] peach`: g over (xs[i], ys[i]). Throws Error(kInvalidArgument) if
// the lengths differ.
template <class R, class A, class B>
std::vector<R> peach_pairs(Executor& executor, std::string_view task, std::span<const A> xs,
                           std::span<const B> ys) {
  if (xs.size() != ys.size())
    throw Error(Errc::kInvalidArgument,
                "peach_pairs('" + std::string(task) + "'): " + std::to_string(xs.size()) +
                    " first arguments but " + std::to_string(ys.size()) + " second arguments");
  std::vector<Bytes> args;
  args.reserve(xs.size());
  for (std::size_t i = 0; i < xs.size(); ++i) {
    ByteWriter w;
    codec::encode(w, xs[i]);
    codec::encode(w, ys[i]);
    args.push_back(std::move(w).take());
  }
  return codec::decode_all<R>(executor.map(task, args));
}
template <class R, class A, class B>
std::vector<R> peach_pairs(Executor& executor, std::string_view task, const std::vector<A>& xs,
                           const std::vector<B>& ys) {
  return peach_pairs<R, A, B>(executor, task, std::span<const A>(xs), std::span<const B>(ys));
}

// q's .Q.fc ("parallel on cut"): splits items into `parts` contiguous slices with
// split_ranges(items.size(), parts) (a function of the data only, never of the worker count),
// runs the task once per slice, and concatenates the returned vectors in slice order. For a task
// that maps a slice to one result per element (what .Q.fc expects), the result does not depend
// on `parts`. parts == 0 picks ceil(n / 4096) slices.
template <class R, class T>
std::vector<R> peach_cut(Executor& executor, std::string_view task, std::span<const T> items,
                         std::size_t parts = 0) {
  static_assert(std::is_arithmetic_v<T> && std::is_arithmetic_v<R>, "peach_cut: arithmetic types");
  if (parts == 0) parts = (items.size() + 4095) / 4096;
  std::vector<Bytes> args;
  for (const auto& [begin, end] : split_ranges(items.size(), parts)) {
    ByteWriter w;
    w.put_span(items.subspan(begin, end - begin));
    args.push_back(std::move(w).take());
  }
  std::vector<R> out;
  out.reserve(items.size());
  for (const auto& r : executor.map(task, args)) {
    auto part = codec::from_bytes<std::vector<R>>(r);
    out.insert(out.end(), part.begin(), part.end());
  }
  return out;
}
template <class R, class T>
std::vector<R> peach_cut(Executor& executor, std::string_view task, const std::vector<T>& items,
                         std::size_t parts = 0) {
  return peach_cut<R, T>(executor, task, std::span<const T>(items), parts);
}

// ---- task adapters
// -------------------------------------------------------------------------------

namespace codec {
// The parameter types of a function pointer or a (non-generic) lambda.
template <class F>
struct fn_args : fn_args<decltype(&F::operator())> {};
template <class R, class... A>
struct fn_args<R (*)(A...)> {
  using type = std::tuple<std::remove_cvref_t<A>...>;
};
template <class C, class R, class... A>
struct fn_args<R (C::*)(A...) const> {
  using type = std::tuple<std::remove_cvref_t<A>...>;
};
template <class C, class R, class... A>
struct fn_args<R (C::*)(A...)> {
  using type = std::tuple<std::remove_cvref_t<A>...>;
};
template <class F, std::size_t I>
using arg_t = std::tuple_element_t<I, typename fn_args<std::decay_t<F>>::type>;
}  // namespace codec

// R f(const A&)  ->  TaskFn over what peach_each sends.
template <class F>
TaskFn unary_task(F f) {
  using A = codec::arg_t<F, 0>;
  return [f](const TaskContext&, std::span<const std::byte> argument) -> Bytes {
    return codec::to_bytes(f(codec::from_bytes<A>(argument)));
  };
}

// R g(const A&, const B&)  ->  TaskFn over the pairs that peach_pairs sends.
template <class G>
TaskFn binary_task(G g) {
  using A = codec::arg_t<G, 0>;
  using B = codec::arg_t<G, 1>;
  return [g](const TaskContext&, std::span<const std::byte> argument) -> Bytes {
    ByteReader r(argument);
    A a = codec::decode<A>(r);
    B b = codec::decode<B>(r);
    if (!r.at_end()) throw Error(Errc::kParse, "peach_pairs: argument longer than (A, B)");
    return codec::to_bytes(g(a, b));
  };
}

// std::vector<R> h(std::span<const T>)  ->  TaskFn over the slices that peach_cut sends.
template <class H>
TaskFn cut_task(H h) {
  using Span = codec::arg_t<H, 0>;
  using T = std::remove_cv_t<typename Span::element_type>;
  return [h](const TaskContext&, std::span<const std::byte> argument) -> Bytes {
    const auto slice = codec::from_bytes<std::vector<T>>(argument);
    return codec::to_bytes(h(std::span<const T>(slice)));
  };
}

}  // namespace freshet::mproc
