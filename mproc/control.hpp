#pragma once
// Client side of the control endpoint that a process executor started with a port listens on
// (docs/mproc-protocol.md). The server side lives in the supervisor process.

#include <string>
#include <utility>

namespace freshet::mproc {

// Connects to host:port, sends a status request and returns the reply: "key value" lines
// (protocol, central_pid, workers, one "worker I pid P state S tasks_done D respawns R" line per
// worker, job, task, running, tasks_total, tasks_done, tasks_pending, jobs_done).
// Throws Error(kIo) if nothing answers within timeout_ms or the peer is not a freshet endpoint,
// Error(kInvalidArgument) if host is not an IPv4 address or a resolvable name.
// With a `key` (the job's secret), authenticates first (docs/mproc-protocol.md §4); a job started
// with --key-file answers nothing else.
std::string request_status(const std::string& host, int port, int timeout_ms = 5000,
                           const std::string& key = {});

// The reply half of request_status, apart so that it can be fed any bytes (fuzz/, tests): reads
// one frame from fd (at most 1 MiB of payload) and returns the STATUS_REPLY text. `where` names
// the peer in errors. Throws Error(kIo) naming `where` for anything else: EOF, a malformed or
// oversized frame, an ERROR frame (its message is quoted, as one line), another frame type.
// Control bytes in the text other than newline and tab (in a quoted message: all) are replaced by
// '?', so a hostile endpoint cannot send escape sequences to the terminal that prints them.
std::string read_status_reply(int fd, const std::string& where);

// Parses "HOST:PORT" (as `freshet status --connect` takes it). Throws Error(kInvalidArgument).
std::pair<std::string, int> parse_endpoint(const std::string& text);

}  // namespace freshet::mproc
