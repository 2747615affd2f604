#pragma once
// The MPI backend: freshet on the ranks an MPI launcher (mpirun, srun) started, on one machine
// or a cluster. No public header includes <mpi.h>: this is the whole surface.
//
// Roles. Rank 0 is the central process: it runs the program (parses the command line, reads
// and writes every file) and drives map(). Ranks 1..N-1 are workers: MpiSession::serve() runs
// registered tasks for rank 0 until the session ends, and never returns to the program's own
// code, so a worker never reads arguments or touches output files. Only the calling thread of
// each rank calls MPI (MPI_THREAD_FUNNELED): tasks run on the rank's main thread, and a task's
// parallel_for nests on that rank's own oneTBB threads.
//
// Semantics are the process backend's (mproc/executor.hpp): results in argument order, chunks
// of consecutive tasks pulled by whichever rank answers (at most two in flight per rank, sizes
// adapted to measured task time), a one-item map runs inline on rank 0, init() loads a plug-in
// on every rank (a rank that cannot load it fails the call naming rank, host and pid), a task
// that throws fails the map as Error(kWorkerFailed) naming task, index, rank, host and pid; the
// other ranks drop their queued chunks and the executor stays usable. With one rank (mpirun -np
// 1, or --mpi without a launcher) rank 0 runs the tasks on its own threads.
//
// Data. share()/share_with() publish a blob once per node: the node's first rank (rank 0 on its
// own node) owns an MPI shared-memory window (MPI_Win_allocate_shared over the node's ranks),
// share_with fills it in place on rank 0, MPI_Bcast among the nodes' first ranks copies it to
// the other nodes (in pieces below 2 GiB: MPI 3.1 counts are int), and every other rank of a
// node maps the same window. Arguments travel inline in each chunk message; results come back
// as the wire format's RESULTS payload (mproc/wire.hpp), one MPI message per chunk.
//
// Failure. MPI cannot replace a dead rank: when a rank dies the launcher ends the whole job.
// Rank 0 then writes one line naming the ranks, hosts and tasks it was waiting for before it is
// terminated (docs/cluster.md). No fork() ever happens under MPI: make_executor refuses the
// process backend when a session is active.

#include <memory>
#include <string>

namespace freshet::mproc {

// True when freshet was built with MPI (CMake option FRESHET_MPI found an MPI library).
bool mpi_built() noexcept;
// True when the environment shows an MPI launcher: OMPI_COMM_WORLD_SIZE (Open MPI's mpirun),
// PMI_SIZE (MPICH, srun --mpi=pmi2) or PMIX_RANK (srun --mpi=pmix, PRRTE).
bool mpi_launched() noexcept;
// This process's rank as the launcher's environment states it (OMPI_COMM_WORLD_RANK, PMIX_RANK,
// PMI_RANK); -1 when not launched by MPI. Readable before MPI is initialised: a program that
// cannot start MPI uses it to report the failure from rank 0 only.
int mpi_launcher_rank() noexcept;
// True on rank 0 while an MpiSession is active in this process: programs then ask for the MPI
// backend (ExecutorOptions::mpi), as freshet's command line does.
bool mpi_session_active() noexcept;

// MPI for the whole program, one per process, created first thing in main() and destroyed last:
//
//   mproc::MpiSession mpi(wants_mpi);          // MPI_Init_thread when launched or wanted
//   if (mpi.worker()) return mpi.serve();      // ranks > 0: run tasks until rank 0 ends
//   ... the program; make_executor() now returns the MPI backend ...
//
// While a session is active on rank 0, make_executor({.mpi = true}) returns the MPI executor
// (one at a time), and make_executor refuses the process backend (nothing is forked under MPI).
class MpiSession {
 public:
  // Starts MPI when mpi_launched() or `requested` (a singleton of one rank without a launcher);
  // otherwise the session is inactive and does nothing. Throws Error(kUsage) when MPI is needed
  // but freshet was built without it, Error(kInvalidArgument) if another session exists.
  explicit MpiSession(bool requested = false);
  // Rank 0: tells every worker to end, then MPI_Finalize. Workers finalize in serve(). Never
  // throws.
  ~MpiSession();
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;

  bool active() const noexcept { return active_; }
  int rank() const noexcept { return rank_; }
  int size() const noexcept { return size_; }
  // True on ranks > 0 of an active session: the caller must call serve() and exit with its
  // status instead of running the program.
  bool worker() const noexcept { return active_ && rank_ > 0; }
  // Worker ranks: runs tasks for rank 0 until it ends the session, then finalizes MPI and
  // returns the exit status (0). Throws Error(kInvalidArgument) on rank 0 or an inactive session.
  int serve();

  struct State;  // MPI handles; internal (mproc/mpi_executor.cpp)
  State* state() const noexcept { return state_.get(); }

 private:
  bool active_ = false;
  int rank_ = 0;
  int size_ = 1;
  std::unique_ptr<State> state_;
};

}  // namespace freshet::mproc
