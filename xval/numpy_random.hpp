#pragma once
// numpy's legacy random stream (np.random.RandomState, numpy 1.17 .. 1.26), reproduced draw for
// draw so that sklearn's shuffled splitters give the same folds here as in Python.
//
// What is reproduced (numpy/random/_mt19937.pyx, mtrand.pyx, src/legacy, src/distributions):
//   * seeding: RandomState(int seed in [0, 2^32)) = MT19937 init_genrand(seed);
//     RandomState(array of uint32) = init_by_array(key);
//   * next_uint32 = one MT19937 output; next_uint64 = (hi << 32) | lo, hi drawn first;
//   * random_sample() = (a >> 5, b >> 6) -> (a * 2^26 + b) / 2^53, 53-bit doubles in [0, 1);
//   * interval(max): a uniform integer in [0, max] by masked rejection (numpy's legacy
//     `random_interval` / `rk_interval`): mask = smallest 2^b - 1 >= max; draw 32-bit values while
//     max fits in 32 bits, else 64-bit values, until (value & mask) <= max; max == 0 draws nothing;
//   * randint(low, high) = low + interval(high - 1 - low) (legacy int64 path, masked, same draws);
//   * shuffle(a) for a 1-D array: for i = n-1 down to 1: swap(a[i], a[interval(i)]);
//     permutation(n) = shuffle(arange(n)).
//   * uniform(low, high) = low + (high - low) * random_sample().
//
// Not thread-safe: one RandomState per thread (they are cheap to copy).

#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

namespace freshet::xval {

class RandomState {
 public:
  // np.random.RandomState(seed) for an integer seed (numpy requires 0 <= seed < 2^32).
  explicit RandomState(std::uint32_t seed = 0);
  // np.random.RandomState(np.array(key, dtype=uint32)): MT19937 init_by_array. key must be
  // non-empty (numpy raises otherwise); an empty key is treated as {0}.
  static RandomState from_array(std::span<const std::uint32_t> key);

  std::uint32_t next_uint32();
  std::uint64_t next_uint64();
  // Uniform double in [0, 1): np.random.RandomState.random_sample().
  double random_sample();
  // Uniform integer in [0, max], numpy's legacy masked rejection sampling.
  std::uint64_t interval(std::uint64_t max);
  // RandomState.randint(low, high): uniform in [low, high); requires low < high.
  std::int64_t randint(std::int64_t low, std::int64_t high);
  // RandomState.uniform(low, high).
  double uniform(double low, double high) { return low + (high - low) * random_sample(); }

  // RandomState.shuffle on a 1-D array (in place).
  template <class T>
  void shuffle(std::span<T> values) {
    for (std::size_t i = values.size(); i > 1; --i) {
      const std::size_t j = static_cast<std::size_t>(interval(i - 1));
      std::swap(values[i - 1], values[j]);
    }
  }
  template <class T>
  void shuffle(std::vector<T>& values) {
    shuffle(std::span<T>(values));
  }
  // RandomState.permutation(n): a shuffled 0..n-1.
  std::vector<std::size_t> permutation(std::size_t n);

 private:
  void init_genrand(std::uint32_t seed);
  void generate();

  static constexpr int kN = 624;
  std::uint32_t state_[kN];
  int pos_ = kN;
};

}  // namespace freshet::xval
