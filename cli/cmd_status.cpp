// `freshet status --connect HOST:PORT`: asks a running freshet (started with --workers N --port P)
// for its workers and job progress, and prints the reply.
#include <iostream>

#include "cli/command.hpp"
#include "mproc/auth.hpp"
#include "mproc/control.hpp"

namespace freshet::cli {
namespace {

std::function<int()> setup_status(CLI::App& app, const Common& common) {
  auto endpoint = std::make_shared<std::string>();
  auto timeout = std::make_shared<int>(5000);
  app.add_option("--connect", *endpoint, "control endpoint of a running freshet (HOST:PORT)")
      ->required()
      ->type_name("HOST:PORT");
  app.add_option("--timeout-ms", *timeout, "give up after this many milliseconds")
      ->capture_default_str()
      ->check(int_range(1, 3600000));
  return [endpoint, timeout, &common] {
    const auto [host, port] = usage_check([&] { return mproc::parse_endpoint(*endpoint); });
    // --key-file (shared by every command): the job's key, when it was started with one.
    const std::string& key_file = common.executor.key_file;
    const std::string key = key_file.empty() ? "" : mproc::auth::load_key_file(key_file);
    std::cout << mproc::request_status(host, port, *timeout, key);
    return 0;
  };
}

FRESHET_COMMAND("status", "show the workers and job progress of a running freshet (--port)",
                setup_status, 95);

}  // namespace
}  // namespace freshet::cli
