"""freshet.run: batch model evaluation jobs (``freshet run JOB``, docs/jobs.md) from Python.

The job runs in the ``freshet`` program, exactly as on the command line (same journal, same
output bytes, resumable), and its tables come back as pandas DataFrames.
"""

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path


class JobError(RuntimeError):
    """A job that ``freshet run`` refused or failed: the message is freshet's error line(s),
    naming the job file's JSON pointer or the data file's line."""


def _executable(executable):
    candidates = [executable, os.environ.get("FRESHET_EXE"),
                  # the build tree: build/python/freshet/_job.py -> build/freshet
                  str(Path(__file__).resolve().parent.parent.parent / "freshet"),
                  shutil.which("freshet")]
    for c in candidates:
        if c and os.path.isfile(c) and os.access(c, os.X_OK):
            return c
    raise JobError("the freshet program was not found: pass executable=, set FRESHET_EXE, or put "
                   "freshet on PATH")


def run(job, out=None, workers=None, check=False, restart=False, quiet=True, executable=None,
        base_dir=None):
    """Runs a batch evaluation job, or only validates it with ``check=True``.

    job: the path of a job file, or the job as a dict (written to a temporary file in
        ``base_dir``, default the current directory, so its relative paths mean what they would
        in a file there; the file is removed afterwards).
    out: the output folder (default: the job's ``out``; for a dict without one,
        ``<base_dir>/<name>.out``); workers: freshet's ``--workers``.
    restart: forget the journal and run every task again.

    Returns None with check=True, else a dict: the output folder's tables as DataFrames
    (``results``, ``summary``, ``candidates``, ``timings``, where present), and the paths
    ``out`` and ``report``. Raises JobError with freshet's message when the job is refused or
    fails.
    """
    import pandas as pd

    exe = _executable(executable)
    temp = None
    if isinstance(job, dict):
        directory = base_dir if base_dir is not None else os.getcwd()
        if out is None and "out" not in job:
            out = os.path.join(directory, str(job.get("name", "job")) + ".out")
        fd, temp = tempfile.mkstemp(prefix=".freshet-job-", suffix=".json", dir=directory)
        with os.fdopen(fd, "w") as f:
            json.dump(job, f)
        path = temp
    else:
        path = os.fspath(job)
    try:
        args = [exe, "run", path]
        if check:
            args.append("--check")
        if out is not None:
            args += ["--out", os.fspath(out)]
        if workers is not None:
            args += ["--workers", str(int(workers))]
        if restart:
            args.append("--restart")
        if quiet:
            args.append("--quiet")
        done = subprocess.run(args, capture_output=True, text=True)
        if done.returncode != 0:
            message = done.stderr.strip() or done.stdout.strip()
            raise JobError(message or "freshet run failed with status %d" % done.returncode)
        if check:
            return None
        folder = Path(out) if out is not None else None
        if folder is None:
            with open(path) as f:
                spec = json.load(f)
            folder = (Path(path).parent / spec["out"] if "out" in spec
                      else Path(str(path)[:-5] + ".out" if str(path).endswith(".json")
                                else str(path) + ".out"))
        result = {"out": str(folder), "report": str(folder / "report.html")}
        for name in ("results", "summary", "candidates", "timings"):
            table = folder / (name + ".csv")
            if table.exists():
                result[name] = pd.read_csv(table, float_precision="round_trip")
        return result
    finally:
        if temp is not None:
            os.unlink(temp)
