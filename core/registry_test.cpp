#include "core/registry.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "tests/errors.hpp"

using namespace freshet;
using freshet::testing::code_of;
using freshet::testing::error_of;

namespace {

struct Thing {
  std::string name;
  int value = 0;
};

}  // namespace

TEST_CASE("registry: add, find, sorted listing, the one unknown-name error") {
  Registry<Thing> things("thing");
  things.add({.name = "zeta", .value = 1});
  things.add({.name = "alpha", .value = 2});
  things.add({.name = "mid", .value = 3});
  REQUIRE(things.find("alpha") != nullptr);
  CHECK(things.find("alpha")->value == 2);
  CHECK(things.find("nope") == nullptr);
  CHECK(things.get("mid").value == 3);
  CHECK(things.names() == std::vector<std::string>{"alpha", "mid", "zeta"});
  const auto sorted = things.sorted();
  REQUIRE(sorted.size() == 3);
  CHECK(sorted[0]->name == "alpha");
  CHECK(sorted[2]->name == "zeta");
  CHECK(error_of([&] { things.get("alpah"); }) == "unknown thing 'alpah'; known: alpha, mid, zeta");
  CHECK(things.unknown("x").code() == Errc::kNotFound);
}

TEST_CASE("registry: duplicates are refused unless replaced, empty names are refused") {
  Registry<Thing> things("thing");
  things.add({.name = "a", .value = 1});
  CHECK(error_of([&] { things.add({.name = "a", .value = 2}); }) ==
        "register thing: 'a' is already registered");
  CHECK(things.get("a").value == 1);
  const Thing* before = things.find("a");
  things.add({.name = "a", .value = 3}, Duplicate::kReplace);
  CHECK(things.find("a") == before);  // the same node: pointers handed out stay valid
  CHECK(things.get("a").value == 3);
  CHECK(error_of([&] { things.add({.name = "", .value = 1}); }) == "register thing: empty name");
}

TEST_CASE("registry: built-ins run once, before the first lookup, and may add re-entrantly") {
  static std::atomic<int> runs{0};
  static Registry<Thing>* self = nullptr;
  Registry<Thing> things("thing", [] {
    ++runs;
    // A module's register_* function adds through the registry while it is being built.
    self->add({.name = "builtin", .value = 7});
  });
  self = &things;
  // Many threads race to the first lookup: each sees the built-ins, which ran once.
  std::vector<std::thread> threads;
  std::atomic<int> seen{0};
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&] {
      if (things.find("builtin") != nullptr) ++seen;
    });
  for (auto& t : threads) t.join();
  CHECK(seen == 8);
  CHECK(runs == 1);
  // A later addition does not run them again, and cannot shadow them.
  CHECK(error_of([&] { things.add({.name = "builtin"}); }) ==
        "register thing: 'builtin' is already registered");
  CHECK(runs == 1);
}
