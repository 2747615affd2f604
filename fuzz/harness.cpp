#include "fuzz/harness.hpp"

#include <filesystem>
#include <fstream>
#include <iterator>

#ifndef FRESHET_SOURCE_DIR
#error "FRESHET_SOURCE_DIR must name the source tree (fuzz/CMakeLists.txt)"
#endif

namespace freshet::fuzz {

const char* source_dir() { return FRESHET_SOURCE_DIR; }

std::string source_file(const std::string& relative, std::size_t max_bytes) {
  const std::string path = std::string(FRESHET_SOURCE_DIR) + "/" + relative;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "fuzz: cannot read seed file %s\n", path.c_str());
    std::exit(1);
  }
  std::string text(std::istreambuf_iterator<char>(in), {});
  if (text.size() > max_bytes) {
    text.resize(max_bytes);
    const auto nl = text.rfind('\n');
    if (nl != std::string::npos) text.resize(nl + 1);
  }
  return text;
}

}  // namespace freshet::fuzz

// libFuzzer calls this once before fuzzing. In seed mode it writes the corpus and exits.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  const char* dir = std::getenv("FRESHET_FUZZ_WRITE_SEEDS");
  if (!dir || !*dir) return 0;
  namespace fs = std::filesystem;
  fs::create_directories(dir);
  std::size_t bytes = 0;
  const auto all = freshet::fuzz::seeds();
  for (const auto& seed : all) {
    std::ofstream out(fs::path(dir) / seed.name, std::ios::binary | std::ios::trunc);
    out.write(seed.bytes.data(), static_cast<std::streamsize>(seed.bytes.size()));
    if (!out) {
      std::fprintf(stderr, "fuzz: cannot write %s/%s\n", dir, seed.name.c_str());
      std::exit(1);
    }
    bytes += seed.bytes.size();
  }
  std::printf("fuzz: wrote %zu seeds (%zu bytes) to %s\n", all.size(), bytes, dir);
  std::exit(0);
}
