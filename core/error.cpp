#include "core/error.hpp"

namespace freshet {

std::string_view errc_name(Errc code) noexcept {
  switch (code) {
    case Errc::kInvalidArgument: return "invalid argument";
    case Errc::kUsage: return "usage";
    case Errc::kNotFound: return "not found";
    case Errc::kParse: return "parse";
    case Errc::kIo: return "io";
    case Errc::kWorkerFailed: return "worker failed";
    case Errc::kCancelled: return "cancelled";
    case Errc::kInternal: return "internal";
  }
  return "unknown";
}

}  // namespace freshet
