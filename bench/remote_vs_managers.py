#!/usr/bin/env python3
"""The seed's Python design for workers on other machines, on the tasks of
bench/remote_overhead.cpp: a multiprocessing.managers server holds a job queue and a result queue
on a TCP port with an authkey; 2 client processes connect, pull one task at a time, compute and
put the result back (one round trip per get and per put, as in the seed).

    remote_vs_managers.py tiny|medium [--reps R]

tiny: 100,000 tasks, each sums 10 doubles; medium: 1,000 tasks, each sums 100,000 doubles of a
100 MB array. Each client builds the array itself (the managers design has no way to send it
once; its transfer is not timed, which favours Python). Prints the median and min of R timed
runs (after one warm-up) in the same format as bench_remote_overhead.
"""
import multiprocessing as mp
import os
import queue
import secrets
import sys
import time
from multiprocessing.managers import BaseManager

import numpy as np

BLOB_DOUBLES = (100 << 20) // 8


def values():
    return 0.5 * (np.arange(BLOB_DOUBLES, dtype=np.int64) % 7).astype(np.float64)


class JobManager(BaseManager):
    pass


def client(port, authkey):
    JobManager.register("jobs")
    JobManager.register("results")
    m = JobManager(address=("127.0.0.1", port), authkey=authkey)
    for _ in range(100):
        try:
            m.connect()
            break
        except ConnectionRefusedError:
            time.sleep(0.1)
    jobs, results = m.jobs(), m.results()
    data = values()
    while True:
        task = jobs.get()
        if task is None:
            return
        i, first, length = task
        results.put((i, float(data[first:first + length].sum())))


def main():
    workload = sys.argv[1]
    reps = int(sys.argv[sys.argv.index("--reps") + 1]) if "--reps" in sys.argv else 7
    tasks, length = (100000, 10) if workload == "tiny" else (1000, 100000)
    job_q, result_q = queue.Queue(), queue.Queue()
    JobManager.register("jobs", callable=lambda: job_q)
    JobManager.register("results", callable=lambda: result_q)
    authkey = secrets.token_bytes(32)
    port = 40000 + os.getpid() % 20000
    manager = JobManager(address=("127.0.0.1", port), authkey=authkey)
    server = manager.get_server()
    import threading
    threading.Thread(target=server.serve_forever, daemon=True).start()
    clients = [mp.Process(target=client, args=(port, authkey)) for _ in range(2)]
    for c in clients:
        c.start()
    data = values()
    specs = [(i, (i * length) % (BLOB_DOUBLES - length), length) for i in range(tasks)]
    expected = [float(data[f:f + n].sum()) for _, f, n in specs]
    times = []
    for r in range(-1, reps):
        t0 = time.perf_counter()
        for s in specs:
            job_q.put(s)
        out = [None] * tasks
        for _ in range(tasks):
            i, v = result_q.get()
            out[i] = v
        t1 = time.perf_counter()
        if out != expected:
            sys.exit("wrong sums")
        if r >= 0:
            times.append(t1 - t0)
    for _ in clients:
        job_q.put(None)
    for c in clients:
        c.join()
    times.sort()
    median, low = times[len(times) // 2], times[0]
    print("%-12s %s  us/task %8.4f [%8.4f]  tasks/s %10.0f" %
          ("managers-2", workload, 1e6 * median / tasks, 1e6 * low / tasks, tasks / median))


if __name__ == "__main__":
    main()
