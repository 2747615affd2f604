// HTML escaping: every special character becomes its entity, control bytes as asked, the rest
// (UTF-8 included) unchanged.

#include "core/html.hpp"

#include <doctest/doctest.h>

using freshet::ControlBytes;
using freshet::html_escape;

TEST_CASE("html_escape replaces the five special characters and nothing else") {
  CHECK(html_escape("") == "");
  CHECK(html_escape("a<b>&\"c'") == "a&lt;b&gt;&amp;&quot;c&#39;");
  CHECK(html_escape("&amp;") == "&amp;amp;");  // escaping twice is visible, not undone
  CHECK(html_escape("caf\xc3\xa9 \xe2\x82\xac") == "caf\xc3\xa9 \xe2\x82\xac");
}

TEST_CASE("html_escape keeps or replaces control bytes") {
  const std::string text = std::string("a\tb\nc\x1b[2J") + '\0' + "d";
  CHECK(html_escape(text) == text);
  CHECK(html_escape(text, ControlBytes::kReplace) == "a?b?c?[2J?d");
  CHECK(html_escape("<\x07>", ControlBytes::kReplace) == "&lt;?&gt;");
}
