#pragma once
// Remote workers: `freshet worker --connect HOST:PORT --key-file KEY` joins a job that a process
// executor runs with a port and the same key (ExecutorOptions::key_file), pulls chunks of tasks
// like a forked worker and runs them on its own threads. The wire format and the handshake are
// docs/mproc-protocol.md (§2 frames, §4 authentication).
//
// What travels: after the mutual HMAC-SHA256 handshake, the central process replays plug-ins by
// name and SHA-256 (the worker loads its own copy from --plugin-dir, never code from the wire)
// and every shared blob once (BLOB + BLOB_DATA pieces, checked against its SHA-256, kept by key
// until UNSHARE); each CHUNK carries its own arguments inline; RESULTS come back on the same
// connection, and HEARTBEAT frames every second while the worker holds chunks let the central
// process drop a worker that went silent.

#include <cstdint>
#include <string>

namespace freshet::mproc {

struct RemoteWorkerOptions {
  std::string host = "127.0.0.1";
  int port = 0;
  std::string key_file;  // the job's key (mode 0600; auth::load_key_file)
  int threads = 1;       // chunks run concurrently on this many threads
  // Where plug-ins named by the central process are looked up (by file name; loaded only when
  // the file's SHA-256 matches). Empty: a job with plug-ins is refused.
  std::string plugin_dir;
  // Keep trying to connect this long: the job may not have opened its port yet, or its port may
  // drop the connection before the handshake (its pre-handshake slots full during a burst of
  // connections). A port that answers (a refusal, a failed proof) ends the worker at once.
  double connect_timeout_seconds = 10.0;
  double heartbeat_seconds = 1.0;
};

// What a remote worker did, for its exit line and for tests.
struct RemoteWorkerStats {
  std::uint64_t tasks = 0;       // tasks run (successful or not)
  std::uint64_t chunks = 0;      // RESULTS frames sent
  std::uint64_t blob_bytes = 0;  // shared-blob bytes received (each blob once)
};

// Runs until the job ends: the central process sends SHUTDOWN or closes the connection (also if
// it dies: TCP keep-alive notices a vanished host). Throws Error with one line naming the
// endpoint when the connection or the handshake fails (a wrong key: "HOST:PORT refused this
// worker: authentication failed: ..."), when a blob fails its SHA-256 check, or when a plug-in
// cannot be loaded (after telling the central process, which goes on without this worker).
RemoteWorkerStats run_remote_worker(const RemoteWorkerOptions& options);

// The client half of the mutual handshake on a connected, blocking socket: HELLO(role),
// CHALLENGE, RESPONSE + CHALLENGE, RESPONSE, WELCOME, each read within 5 s. `where` names the
// peer in errors. Throws Error(kIo) if the peer refuses, fails to prove the key, or differs in
// byte order or word size.
void authenticate_client(int fd, const std::string& key, const std::string& role,
                         const std::string& where);

// Connects a blocking TCP socket to host:port, retrying refused connections for up to
// timeout_ms. Throws Error(kInvalidArgument) for an unresolvable host, Error(kIo) otherwise.
int connect_tcp(const std::string& host, int port, int timeout_ms);

}  // namespace freshet::mproc
