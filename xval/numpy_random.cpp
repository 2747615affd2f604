#include "xval/numpy_random.hpp"

#include <algorithm>
#include <numeric>

namespace freshet::xval {
namespace {
constexpr int kM = 397;
constexpr std::uint32_t kMatrixA = 0x9908b0dfU;
constexpr std::uint32_t kUpperMask = 0x80000000U;
constexpr std::uint32_t kLowerMask = 0x7fffffffU;
}  // namespace

RandomState::RandomState(std::uint32_t seed) { init_genrand(seed); }

// Matsumoto & Nishimura's reference initialisation (the recurrence numpy's mt19937_seed uses).
void RandomState::init_genrand(std::uint32_t seed) {
  state_[0] = seed;
  for (int i = 1; i < kN; ++i) {
    state_[i] =
        1812433253U * (state_[i - 1] ^ (state_[i - 1] >> 30)) + static_cast<std::uint32_t>(i);
  }
  pos_ = kN;
}

RandomState RandomState::from_array(std::span<const std::uint32_t> key) {
  static constexpr std::uint32_t kZero[1] = {0};
  if (key.empty()) key = kZero;
  RandomState rs(19650218U);
  auto& mt = rs.state_;
  int i = 1, j = 0;
  const int key_length = static_cast<int>(key.size());
  for (int k = std::max(kN, key_length); k > 0; --k) {
    mt[i] = (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >> 30)) * 1664525U)) + key[j] +
            static_cast<std::uint32_t>(j);
    ++i;
    ++j;
    if (i >= kN) {
      mt[0] = mt[kN - 1];
      i = 1;
    }
    if (j >= key_length) j = 0;
  }
  for (int k = kN - 1; k > 0; --k) {
    mt[i] =
        (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >> 30)) * 1566083941U)) - static_cast<std::uint32_t>(i);
    ++i;
    if (i >= kN) {
      mt[0] = mt[kN - 1];
      i = 1;
    }
  }
  mt[0] = 0x80000000U;  // MSB is 1, assuring a non-zero initial array
  rs.pos_ = kN;
  return rs;
}

void RandomState::generate() {
  int kk = 0;
  for (; kk < kN - kM; ++kk) {
    const std::uint32_t y = (state_[kk] & kUpperMask) | (state_[kk + 1] & kLowerMask);
    state_[kk] = state_[kk + kM] ^ (y >> 1) ^ ((y & 1U) ? kMatrixA : 0U);
  }
  for (; kk < kN - 1; ++kk) {
    const std::uint32_t y = (state_[kk] & kUpperMask) | (state_[kk + 1] & kLowerMask);
    state_[kk] = state_[kk + (kM - kN)] ^ (y >> 1) ^ ((y & 1U) ? kMatrixA : 0U);
  }
  const std::uint32_t y = (state_[kN - 1] & kUpperMask) | (state_[0] & kLowerMask);
  state_[kN - 1] = state_[kM - 1] ^ (y >> 1) ^ ((y & 1U) ? kMatrixA : 0U);
  pos_ = 0;
}

std::uint32_t RandomState::next_uint32() {
  if (pos_ >= kN) generate();
  std::uint32_t y = state_[pos_++];
  y ^= (y >> 11);
  y ^= (y << 7) & 0x9d2c5680U;
  y ^= (y << 15) & 0xefc60000U;
  y ^= (y >> 18);
  return y;
}

std::uint64_t RandomState::next_uint64() {
  const std::uint64_t hi = next_uint32();
  const std::uint64_t lo = next_uint32();
  return (hi << 32) | lo;
}

double RandomState::random_sample() {
  const std::uint32_t a = next_uint32() >> 5;
  const std::uint32_t b = next_uint32() >> 6;
  return (static_cast<double>(a) * 67108864.0 + static_cast<double>(b)) / 9007199254740992.0;
}

std::uint64_t RandomState::interval(std::uint64_t max) {
  if (max == 0) return 0;
  std::uint64_t mask = max;
  mask |= mask >> 1;
  mask |= mask >> 2;
  mask |= mask >> 4;
  mask |= mask >> 8;
  mask |= mask >> 16;
  mask |= mask >> 32;
  std::uint64_t value;
  if (max <= 0xffffffffULL) {
    while ((value = (next_uint32() & mask)) > max) {
    }
  } else {
    while ((value = (next_uint64() & mask)) > max) {
    }
  }
  return value;
}

std::int64_t RandomState::randint(std::int64_t low, std::int64_t high) {
  const auto range = static_cast<std::uint64_t>(high) - static_cast<std::uint64_t>(low) - 1U;
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(low) + interval(range));
}

std::vector<std::size_t> RandomState::permutation(std::size_t n) {
  std::vector<std::size_t> out(n);
  std::iota(out.begin(), out.end(), std::size_t{0});
  shuffle(out);
  return out;
}

}  // namespace freshet::xval
