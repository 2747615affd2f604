#include "core/error.hpp"

namespace freshet {

std::string_view errc_name(Errc code) noexcept {
  switch (code) {
    case Errc::kInvalidArgument:
      return "invalid argument";
    case Errc::kUsage:
      return "usage";
    case Errc::kNotFound:
      return "not found";
    case Errc::kParse:
      return "parse";
    case Errc::kIo:
      return "io";
    case Errc::kWorkerFailed:
      return "worker failed";
    case Errc::kCancelled:
      return "cancelled";
    case Errc::kInternal:
      return "internal";
  }
  return "unknown";
}

std::string escape_control(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == 0xC2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
        static_cast<unsigned char>(text[i + 1]) <= 0x9F) {
      const auto d = static_cast<unsigned char>(text[i + 1]);
      out += "\\u00";
      out.push_back(kHex[d >> 4]);
      out.push_back(kHex[d & 15]);
      ++i;
      continue;
    }
    if (c >= 0x20 && c != 0x7F) {
      out.push_back(static_cast<char>(c));
      continue;
    }
    switch (c) {
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        out += "\\x";
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string quote_cell(std::string_view cell) {
  std::string out = "\"";
  for (char c : escape_control(cell.substr(0, 60))) {
    if (c == '"') out.push_back('\\');
    out.push_back(c);
  }
  if (cell.size() > 60) out += "...";
  return out + "\"";
}

}  // namespace freshet
