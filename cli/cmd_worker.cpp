// `freshet worker --connect HOST:PORT --key-file KEY [--threads N] [--plugin-dir DIR]`: joins a
// running job (started with --port P --key-file KEY) as a remote worker until the job ends.
#include <chrono>
#include <iostream>
#include <thread>

#include "cli/command.hpp"
#include "mproc/control.hpp"
#include "mproc/remote.hpp"

namespace freshet::cli {
namespace {

std::function<int()> setup_worker(CLI::App& app, const Common& common) {
  auto endpoint = std::make_shared<std::string>();
  auto options = std::make_shared<mproc::RemoteWorkerOptions>();
  app.add_option("--connect", *endpoint, "the job's port (HOST:PORT)")
      ->required()
      ->type_name("HOST:PORT");
  app.add_option("--threads", options->threads, "run chunks on this many threads")
      ->capture_default_str()
      ->check(int_range(1, 1024));
  app.add_option("--plugin-dir", options->plugin_dir,
                 "load the job's plug-ins from here (by file name, only if the SHA-256 matches)")
      ->type_name("DIR");
  auto reconnect = std::make_shared<bool>(false);
  app.add_flag("--reconnect", *reconnect,
               "when the job ends, wait for the next job on the same port and join it (until "
               "Ctrl-C); a wrong key still ends the worker");
  app.add_option("--connect-timeout", options->connect_timeout_seconds,
                 "keep trying to connect for this many seconds")
      ->capture_default_str()
      ->check(real_range(0.0, 86400.0));
  return [endpoint, options, reconnect, &common] {
    const auto [host, port] = usage_check([&] { return mproc::parse_endpoint(*endpoint); });
    options->host = host;
    options->port = port;
    // --key-file is one of the options every command shares (main.cpp): the job's key here.
    options->key_file = common.executor.key_file;
    if (options->key_file.empty())
      throw Error(Errc::kUsage, "freshet worker needs --key-file FILE (the job's key)");
    for (bool first = true;; first = false) {
      mproc::RemoteWorkerStats stats;
      try {
        stats = mproc::run_remote_worker(*options);
      } catch (const Error& e) {
        // With --reconnect, only a job that is not there yet is waited for: nothing listens, or
        // the port closed the connection before the handshake was done (a job that is just
        // ending still accepts, then drops everyone). Anything else (a wrong key, a central that
        // fails to prove the key, a plug-in this worker cannot load) ends the worker.
        const std::string what = e.what();
        const bool not_there =
            what.find("cannot connect") != std::string::npos ||
            what.find("closed the connection during the handshake") != std::string::npos ||
            (what.find("handshake failed") != std::string::npos &&
             what.find("Connection reset") != std::string::npos);
        if (!*reconnect || !not_there) throw;
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        continue;
      }
      if (!common.quiet)
        std::cerr << "freshet: worker: the job at " << *endpoint << " ended; ran " << stats.tasks
                  << " tasks in " << stats.chunks << " chunks, received " << stats.blob_bytes
                  << " blob bytes\n";
      if (!*reconnect) return 0;
      if (first) options->connect_timeout_seconds = 3600;  // between jobs: keep waiting
    }
  };
}

FRESHET_COMMAND("worker", "join a running job (--port, --key-file) as a remote worker",
                setup_worker, 94);

}  // namespace
}  // namespace freshet::cli
