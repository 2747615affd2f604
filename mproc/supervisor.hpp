#pragma once
// The process backend's supervisor restart hook (docs/mproc-protocol.md §6).
//
// The process backend's supervisor (the central process's one child, which forks the workers
// and serves the port) can be killed. The central process then starts a new one by executing
// its own program again (/proc/self/exe) with a marker in the environment, never by fork() from
// its own, multi-threaded, process. The re-executed program must turn into the supervisor before
// it does anything else, which only main() can arrange: hence this call.

namespace freshet::mproc {

// Call first thing in main(), before any other work (before MPI, before threads).
//
// In a process the process backend started to replace a killed supervisor (the environment holds
// FRESHET_MPROC_SUPERVISOR), runs that supervisor and never returns: the program's static
// initialisers have run by then, so every task registered with FRESHET_TASK is there for the
// workers it forks. Anywhere else it returns at once and records that this program makes the
// call, which is what lets the process backend replace a killed supervisor: in a program whose
// main() does not call it (a Python interpreter, say), a killed supervisor is not replaced and a
// job left without workers fails naming the supervisor, as before.
//
// Not thread-safe with itself; cheap (one getenv).
void supervisor_entry_point();

// True once supervisor_entry_point() has returned in this process (the condition for restarts).
bool supervisor_restartable();

}  // namespace freshet::mproc
