// KX's .ml.xv splitters (ml/xval/utils.q, xval.q at 4.1.0) with KX's fold arithmetic:
//   * chunking: (k;0N)#x -> chunk i = [floor(i*n/k), floor((i+1)*n/k)): the longer chunks last;
//   * fold f of kf_*: tests on chunk k-1-f, trains on the other chunks in rotated order
//     (groupIdx: (0;k-1)_/:rotate[-1]\til k), e.g. k=3: train (0,1) test 2; (2,0) test 1;
//     (1,2) test 0;
//   * ts_rolls: fold i trains on chunk i, tests on chunk i+1; ts_chain: fold j trains on chunks
//     0..j-1, tests on chunk j;
//   * pc_split: train = first floor(N*(1-pc)) rows, test = the rest; mc_split: the same cut of a
//     fresh permutation per repetition;
//   * n repetitions: split index = repetition * folds_per_repetition + fold.
// q's random generator cannot be reproduced outside q, so shuffling uses numpy's RandomState
// seeded with random_state (one stream for the whole split() call, carrying on across
// repetitions, like sklearn's Repeated* splitters): kf_shuff draws permutation(N) per
// repetition; kf_strat draws permutation(class size) per class (first-appearance order) and
// then permutation(fold size) per fold; mc_split draws permutation(N) per repetition.

#include <cmath>
#include <numeric>

#include "core/error.hpp"
#include "core/format.hpp"
#include "xval/splitters.hpp"
#include "xval/splitters_detail.hpp"

namespace freshet::xval {
namespace {

using Chunks = std::vector<std::vector<std::size_t>>;

// (k;0N)#rows
Chunks chunk(const std::vector<std::size_t>& rows, std::size_t k) {
  Chunks out(k);
  const std::size_t n = rows.size();
  for (std::size_t i = 0; i < k; ++i) {
    const std::size_t b = i * n / k, e = (i + 1) * n / k;
    out[i].assign(rows.begin() + static_cast<std::ptrdiff_t>(b),
                  rows.begin() + static_cast<std::ptrdiff_t>(e));
  }
  return out;
}

void append(std::vector<std::size_t>& to, const std::vector<std::size_t>& from) {
  to.insert(to.end(), from.begin(), from.end());
}

// groupIdx rotation: fold f trains on chunks (j - f) mod k for j = 0..k-2, tests on (k-1-f).
void rotated_folds(const Chunks& chunks, Folds& out) {
  const std::size_t k = chunks.size();
  for (std::size_t f = 0; f < k; ++f) {
    Split s;
    for (std::size_t j = 0; j + 1 < k; ++j) append(s.train, chunks[(j + k - f) % k]);
    append(s.test, chunks[(2 * k - 1 - f) % k]);
    out.push_back(std::move(s));
  }
}

class KxSplitter final : public Splitter {
 public:
  KxSplitter(std::string name, KxOptions o) : name_(std::move(name)), o_(o) {
    const std::string who = "splitter '" + name_ + "': ";
    if (uses_pc()) {
      if (!(o_.pc > 0 && o_.pc < 1))
        throw Error(Errc::kInvalidArgument,
                    who + "pc must be in (0, 1), got " + format_double(o_.pc));
    } else {
      const int min_k = (name_ == "ts_rolls" || name_ == "ts_chain") ? 2 : 1;
      if (o_.k < min_k)
        throw Error(Errc::kInvalidArgument, who + "k must be at least " + std::to_string(min_k) +
                                                ", got " + std::to_string(o_.k));
    }
    if (o_.n < 1)
      throw Error(Errc::kInvalidArgument,
                  who + "n (repetitions) must be at least 1, got " + std::to_string(o_.n));
  }
  std::string name() const override { return name_; }
  std::string spec() const override {
    std::string s = name_ + ":";
    s += uses_pc() ? "pc=" + format_double(o_.pc) : "k=" + std::to_string(o_.k);
    s += ",n=" + std::to_string(o_.n);
    if (shuffles()) s += ",random_state=" + std::to_string(o_.random_state);
    return s;
  }
  bool needs_target() const override { return name_ == "kf_strat"; }

  Folds split(const SplitData& data) const override {
    const std::size_t n_rows = data.n_rows;
    const auto k = static_cast<std::size_t>(o_.k);
    std::vector<std::size_t> rows(n_rows);
    std::iota(rows.begin(), rows.end(), std::size_t{0});
    RandomState rng(o_.random_state);
    Folds out;
    if (name_ == "kf_split") {
      const Chunks chunks = chunk(rows, k);
      for (int r = 0; r < o_.n; ++r) rotated_folds(chunks, out);
    } else if (name_ == "kf_shuff") {
      for (int r = 0; r < o_.n; ++r) {
        std::vector<std::size_t> perm = rng.permutation(n_rows);
        rotated_folds(chunk(perm, k), out);
      }
    } else if (name_ == "kf_strat") {
      const Labels& y = detail::need_target(name_, data);
      const auto codes = y.first_seen_codes();
      Chunks classes(y.n_classes);
      for (std::size_t i = 0; i < n_rows; ++i)
        classes[static_cast<std::size_t>(codes[i])].push_back(i);
      for (int r = 0; r < o_.n; ++r) {
        Chunks folds(k);
        for (const auto& members : classes) {
          const auto perm = rng.permutation(members.size());
          std::vector<std::size_t> shuffled(members.size());
          for (std::size_t j = 0; j < members.size(); ++j) shuffled[j] = members[perm[j]];
          const Chunks parts = chunk(shuffled, k);
          for (std::size_t f = 0; f < k; ++f) append(folds[f], parts[f]);
        }
        for (auto& fold : folds) {
          const auto perm = rng.permutation(fold.size());
          std::vector<std::size_t> shuffled(fold.size());
          for (std::size_t j = 0; j < fold.size(); ++j) shuffled[j] = fold[perm[j]];
          fold = std::move(shuffled);
        }
        rotated_folds(folds, out);
      }
    } else if (name_ == "ts_rolls" || name_ == "ts_chain") {
      const Chunks chunks = chunk(rows, k);
      for (int r = 0; r < o_.n; ++r) {
        for (std::size_t j = 1; j < k; ++j) {
          Split s;
          if (name_ == "ts_rolls") {
            s.train = chunks[j - 1];
          } else {
            for (std::size_t c = 0; c < j; ++c) append(s.train, chunks[c]);
          }
          s.test = chunks[j];
          out.push_back(std::move(s));
        }
      }
    } else {  // pc_split, mc_split
      const auto cut =
          static_cast<std::size_t>(std::floor(static_cast<double>(n_rows) * (1 - o_.pc)));
      for (int r = 0; r < o_.n; ++r) {
        const std::vector<std::size_t> order = name_ == "mc_split" ? rng.permutation(n_rows) : rows;
        Split s;
        s.train.assign(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(cut));
        s.test.assign(order.begin() + static_cast<std::ptrdiff_t>(cut), order.end());
        out.push_back(std::move(s));
      }
    }
    return out;
  }

 private:
  bool uses_pc() const { return name_ == "pc_split" || name_ == "mc_split"; }
  bool shuffles() const {
    return name_ == "kf_shuff" || name_ == "kf_strat" || name_ == "mc_split";
  }
  std::string name_;
  KxOptions o_;
};

}  // namespace

std::unique_ptr<Splitter> make_kx_splitter(std::string_view name, const KxOptions& options) {
  static const char* const kNames[] = {"kf_split", "kf_shuff", "kf_strat", "ts_rolls",
                                       "ts_chain", "pc_split", "mc_split"};
  for (const char* known : kNames)
    if (name == known) return std::make_unique<KxSplitter>(std::string(name), options);
  throw Error(
      Errc::kNotFound,
      "unknown KX splitter '" + std::string(name) +
          "' (known: kf_split, kf_shuff, kf_strat, ts_rolls, ts_chain, pc_split, mc_split)");
}

}  // namespace freshet::xval
