// The journal: records survive reopening; a torn or corrupt tail is detected by length and
// CRC-32, dropped with a warning, and appending continues after the last good record.

#include "job/journal.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <thread>

#include "job/hash.hpp"
#ifndef FRESHET_EXE
#define FRESHET_EXE "freshet"  // run_command.hpp's helpers for CLI tests; unused here
#endif
#include "core/error.hpp"
#include "tests/run_command.hpp"

using namespace freshet;
using freshet::testing::slurp;
using freshet::testing::TempDir;

namespace {
Bytes bytes_of(const std::string& s) {
  Bytes b(s.size());
  if (!s.empty()) std::memcpy(b.data(), s.data(), s.size());
  return b;
}
std::string text_of(const Bytes* b) {
  return b ? std::string(reinterpret_cast<const char*>(b->data()), b->size()) : "<none>";
}
}  // namespace

TEST_CASE("crc32 is the IEEE / zlib CRC-32") {
  CHECK(job::crc32(std::string_view("123456789")) == 0xCBF43926u);
  CHECK(job::crc32(std::string_view("")) == 0u);
  // Incremental use equals one pass.
  CHECK(job::crc32(std::string_view("6789"), job::crc32(std::string_view("12345"))) == 0xCBF43926u);
}

TEST_CASE("content hashes separate fields and are stable") {
  CHECK(job::ContentHash().field("ab").field("c").hex() !=
        job::ContentHash().field("a").field("bc").hex());
  CHECK(job::ContentHash().add("abc").hex() == job::ContentHash().add("a").add("bc").hex());
  CHECK(job::ContentHash().add("abc").hex().size() == 32);
}

TEST_CASE("journal records survive reopening, later records for a key win, one run at a time") {
  TempDir dir;
  const std::string path = dir.file("j.fjr");
  std::vector<std::string> warnings;
  const auto warn = [&](const std::string& w) { warnings.push_back(w); };
  {
    job::Journal j(path, warn);
    std::vector<std::pair<std::string, Bytes>> recs = {{"a", bytes_of("one")}, {"b", bytes_of("")}};
    j.append(recs);
    std::vector<std::pair<std::string, Bytes>> again = {{"a", bytes_of("two")}};
    j.append(again);
  }
  {
    job::Journal j(path, warn);
    CHECK_THROWS_WITH_AS(job::Journal(path, warn), doctest::Contains("another freshet run"), Error);
    CHECK(warnings.empty());
    CHECK(j.size() == 2);
    CHECK(text_of(j.find("a")) == "two");
    CHECK(text_of(j.find("b")) == "");
    CHECK(j.find("c") == nullptr);
    // compact keeps only the listed keys, and the rewritten file stays locked.
    std::vector<std::string> keep = {"b"};
    j.compact(keep);
    CHECK(j.find("a") == nullptr);
    CHECK_THROWS_AS(job::Journal(path, warn), Error);
  }
  {
    // A holder that lets go within the grace period (a killed run whose workers are still being
    // torn down): the next run waits for it instead of calling the folder busy.
    std::optional<job::Journal> first(std::in_place, path, warn);
    std::jthread release([&first] {
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      first.reset();
    });
    job::Journal second(path, warn);
    CHECK(second.size() == 1);  // "b", the one record compact kept
  }
  job::Journal k(path, warn);
  CHECK(k.size() == 1);
}

TEST_CASE("a torn or corrupt tail is dropped with a warning, earlier records kept") {
  TempDir dir;
  const std::string path = dir.file("j.fjr");
  std::vector<std::pair<std::string, Bytes>> recs;
  for (int i = 0; i < 5; ++i)
    recs.push_back({"key" + std::to_string(i), bytes_of(std::string(10 + i, char('a' + i)))});
  {
    job::Journal j(path, {});
    j.append(recs);
  }
  const std::string full = slurp(path);
  const std::size_t last = job::encode_journal_record(recs[4].first, recs[4].second).size();
  // Every truncation inside the last record, and flipped bytes in it.
  for (std::size_t cut = 1; cut < last; ++cut) {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << full.substr(0, full.size() - cut);
    std::vector<std::string> warnings;
    job::Journal j(path, [&](const std::string& w) { warnings.push_back(w); });
    CHECK(j.size() == 4);
    REQUIRE(warnings.size() == 1);
    CHECK(warnings[0].find("dropped") != std::string::npos);
    CHECK(std::filesystem::file_size(path) == full.size() - last);
  }
  for (std::size_t at = full.size() - last; at < full.size(); ++at) {
    std::string bad = full;
    bad[at] = static_cast<char>(bad[at] ^ 0x5A);
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bad;
    std::vector<std::string> warnings;
    job::Journal j(path, [&](const std::string& w) { warnings.push_back(w); });
    CHECK(j.size() == 4);
    CHECK(j.find("key4") == nullptr);
    CHECK(warnings.size() == 1);
  }
  // Appending after a dropped tail continues from the last good record.
  {
    job::Journal j(path, {});
    std::vector<std::pair<std::string, Bytes>> more = {{"key9", bytes_of("nine")}};
    j.append(more);
  }
  job::Journal j(path, {});
  CHECK(j.size() == 5);
  CHECK(text_of(j.find("key9")) == "nine");
}
