#include "fresh/names.hpp"

#include <cctype>
#include <cmath>
#include <limits>

#include "core/error.hpp"
#include "core/format.hpp"

namespace freshet::fresh {

namespace {

// Python repr() of a str: single quotes unless the text holds a ' and no ".
void append_python_repr_string(std::string& out, const std::string& s) {
  const bool use_double = s.find('\'') != std::string::npos && s.find('"') == std::string::npos;
  const char q = use_double ? '"' : '\'';
  out.push_back(q);
  for (char c : s) {
    if (c == '\\' || c == q) out.push_back('\\');
    out.push_back(c);
  }
  out.push_back(q);
}

void append_value(std::string& out, const Params& v, bool top_level) {
  switch (v.type()) {
    case Params::value_t::null:
      out += "None";
      break;
    case Params::value_t::boolean:
      out += v.get<bool>() ? "True" : "False";
      break;
    case Params::value_t::number_integer:
      out += std::to_string(v.get<std::int64_t>());
      break;
    case Params::value_t::number_unsigned:
      out += std::to_string(v.get<std::uint64_t>());
      break;
    case Params::value_t::number_float:
      append_double(out, v.get<double>());
      break;
    case Params::value_t::string:
      // tsfresh's convert_to_output_format wraps a top-level string in double quotes, no
      // escaping; inside a tuple Python's repr applies.
      if (top_level) {
        out.push_back('"');
        out += v.get_ref<const std::string&>();
        out.push_back('"');
      } else {
        append_python_repr_string(out, v.get_ref<const std::string&>());
      }
      break;
    case Params::value_t::array: {
      out.push_back('(');
      bool first = true;
      for (const auto& item : v) {
        if (!first) out += ", ";
        first = false;
        append_value(out, item, false);
      }
      if (v.size() == 1) out.push_back(',');
      out.push_back(')');
      break;
    }
    default:
      throw Error(Errc::kInvalidArgument,
                  "feature parameter value " + v.dump() + " cannot appear in a feature name");
  }
}

// ---- Python literal parser (the subset ast.literal_eval sees in tsfresh names) ----

class LiteralParser {
 public:
  explicit LiteralParser(std::string_view text) : text_(text) {}

  Params parse_all() {
    Params v = parse_value();
    skip_space();
    if (pos_ != text_.size()) fail("unexpected text after the value");
    return v;
  }

 private:
  [[noreturn]] void fail(const std::string& why) const {
    throw Error(Errc::kParse,
                "cannot read '" + std::string(text_) + "' as a Python literal: " + why);
  }
  void skip_space() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  bool starts_with(std::string_view word) const { return text_.substr(pos_).starts_with(word); }

  Params parse_value() {
    skip_space();
    if (pos_ >= text_.size()) fail("empty value");
    const char c = text_[pos_];
    if (c == '(' || c == '[') return parse_sequence(c == '(' ? ')' : ']');
    if (c == '"' || c == '\'') return parse_string(c);
    for (auto [word, value] : {std::pair<std::string_view, int>{"True", 1}, {"False", 0}}) {
      if (starts_with(word)) {
        pos_ += word.size();
        return Params(value == 1);
      }
    }
    if (starts_with("None")) {
      pos_ += 4;
      return Params(nullptr);
    }
    return parse_number();
  }

  Params parse_sequence(char close) {
    ++pos_;
    Params arr = Params::array();
    skip_space();
    if (pos_ < text_.size() && text_[pos_] == close) {
      ++pos_;
      return arr;
    }
    while (true) {
      arr.push_back(parse_value());
      skip_space();
      if (pos_ >= text_.size()) fail("unterminated sequence");
      if (text_[pos_] == ',') {
        ++pos_;
        skip_space();
        if (pos_ < text_.size() && text_[pos_] == close) {
          ++pos_;
          return arr;
        }
        continue;
      }
      if (text_[pos_] == close) {
        ++pos_;
        return arr;
      }
      fail("expected ',' or closing bracket");
    }
  }

  Params parse_string(char quote) {
    ++pos_;
    std::string s;
    while (pos_ < text_.size() && text_[pos_] != quote) {
      if (text_[pos_] == '\\' && pos_ + 1 < text_.size()) ++pos_;
      s.push_back(text_[pos_++]);
    }
    if (pos_ >= text_.size()) fail("unterminated string");
    ++pos_;
    return Params(s);
  }

  Params parse_number() {
    std::size_t end = pos_;
    while (end < text_.size() &&
           (std::isalnum(static_cast<unsigned char>(text_[end])) || text_[end] == '.' ||
            text_[end] == '+' || text_[end] == '-' || text_[end] == '_'))
      ++end;
    const std::string_view tok = text_.substr(pos_, end - pos_);
    if (tok.empty()) fail("expected a value");
    pos_ = end;
    // Integer literal (optionally signed): a Python int.
    std::int64_t i = 0;
    if (tok.find_first_of(".eEnN") == std::string_view::npos && parse_int64(tok, i))
      return Params(i);
    std::string lower;
    for (char ch : tok)
      lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(ch))));
    if (lower == "nan" || lower == "inf" || lower == "-inf" || lower == "+inf") {
      double d = 0;
      parse_double(lower, d);
      return Params(d);
    }
    double d = 0;
    if (!parse_double(tok, d) || lower.find("inf") != std::string::npos ||
        lower.find("nan") != std::string::npos)
      fail("not a number");
    return Params(d);
  }

  std::string_view text_;
  std::size_t pos_ = 0;
};

}  // namespace

std::string python_value_str(const Params& value) {
  std::string out;
  append_value(out, value, true);
  return out;
}

std::string params_suffix(const Params& params) {
  if (params.is_null()) return {};
  if (!params.is_object())
    throw Error(Errc::kInvalidArgument,
                "feature parameters must be an object, got " + params.dump());
  std::string out;
  // nlohmann::json objects are std::map: keys iterate in byte order, as Python's sorted() of str.
  for (const auto& [key, value] : params.items()) {
    if (!out.empty()) out += "__";
    out += key;
    out.push_back('_');
    append_value(out, value, true);
  }
  return out;
}

std::string feature_name(std::string_view kind, std::string_view calculator, const Params& params) {
  std::string out;
  out.reserve(kind.size() + calculator.size() + 32);
  out += kind;
  out += "__";
  out += calculator;
  const std::string suffix = params_suffix(params);
  if (!suffix.empty()) {
    out += "__";
    out += suffix;
  }
  return out;
}

std::string feature_name(std::string_view kind, const Calculator& calc, const Params& params) {
  return feature_name(kind, std::string_view(calc.name), params);
}

Params parse_python_literal(std::string_view text) { return LiteralParser(text).parse_all(); }

ParsedFeatureName parse_feature_name(std::string_view name) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    const auto pos = name.find("__", start);
    if (pos == std::string_view::npos) {
      parts.push_back(name.substr(start));
      break;
    }
    parts.push_back(name.substr(start, pos - start));
    start = pos + 2;
  }
  if (parts.size() < 2 || parts[0].empty() || parts[1].empty())
    throw Error(Errc::kParse, "feature name '" + std::string(name) +
                                  "' is not '<kind>__<calculator>[__<parameter>_<value>...]'");
  ParsedFeatureName out;
  out.kind = std::string(parts[0]);
  out.calculator = std::string(parts[1]);
  out.params = nullptr;
  if (parts.size() > 2) {
    out.params = Params::object();
    for (std::size_t i = 2; i < parts.size(); ++i) {
      const auto cut = parts[i].rfind('_');
      if (cut == std::string_view::npos || cut == 0)
        throw Error(Errc::kParse, "feature name '" + std::string(name) + "': parameter part '" +
                                      std::string(parts[i]) + "' is not '<key>_<value>'");
      try {
        out.params[std::string(parts[i].substr(0, cut))] =
            parse_python_literal(parts[i].substr(cut + 1));
      } catch (const Error& e) {
        throw Error(Errc::kParse, "feature name '" + std::string(name) + "': " + e.what());
      }
    }
  }
  return out;
}

}  // namespace freshet::fresh
