// `freshet keygen FILE`: writes a fresh random key for remote workers (--key-file), mode 0600.
#include <iostream>

#include "cli/command.hpp"
#include "mproc/auth.hpp"

namespace freshet::cli {
namespace {

std::function<int()> setup_keygen(CLI::App& app, const Common& common) {
  auto path = std::make_shared<std::string>();
  auto bytes = std::make_shared<int>(32);
  auto force = std::make_shared<bool>(false);
  app.add_option("FILE", *path, "where to write the key (created with mode 0600)")
      ->required()
      ->type_name("FILE");
  app.add_option("--bytes", *bytes, "random bytes in the key")
      ->capture_default_str()
      ->check(int_range(32, 4096));
  app.add_flag("--force", *force, "replace FILE if it exists");
  return [path, bytes, force, &common] {
    mproc::auth::write_key_file(*path, static_cast<std::size_t>(*bytes), *force);
    if (!common.quiet)
      std::cerr << "freshet: wrote a " << *bytes << "-byte key to " << *path
                << " (mode 0600); copy it to each worker machine over a safe channel\n";
    return 0;
  };
}

FRESHET_COMMAND("keygen", "write a random key for remote workers (--key-file), mode 0600",
                setup_keygen, 96);

}  // namespace
}  // namespace freshet::cli
