"""freshet.run: batch jobs from Python give the command line's bytes and its errors."""

import os
import subprocess
from pathlib import Path

import pytest

import freshet

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"


def small_job():
    return {
        "name": "py",
        "seed": 0,
        "datasets": [{"id": "min", "series": str(SAMPLE / "series.csv"),
                      "labels": str(SAMPLE / "labels.csv"), "features": "minimal",
                      "select": "none"}],
        "pipelines": [{"id": "nb", "model": "gaussian_nb"},
                      {"id": "knn", "steps": ["standard_scaler"], "model": "knn_classifier",
                       "grid": {"n_neighbors": [1, 5]}}],
        "cv": "stratified_kfold:n_splits=3,shuffle=true,random_state=0",
        "scoring": ["accuracy"],
    }


def test_run_returns_the_tables_the_command_line_writes(tmp_path):
    got = freshet.run(small_job(), base_dir=tmp_path, workers=0)
    out = Path(got["out"])
    assert out == tmp_path / "py.out"
    assert (out / "report.html").exists()
    # The same job through the program gives the same results.csv bytes.
    job_file = tmp_path / "job.json"
    import json
    job_file.write_text(json.dumps(small_job()))
    subprocess.run([os.environ["FRESHET_EXE"], "run", str(job_file), "--out",
                    str(tmp_path / "cli"), "--workers", "2", "--quiet"], check=True)
    assert (out / "results.csv").read_bytes() == (tmp_path / "cli" / "results.csv").read_bytes()
    results = got["results"]
    assert set(results["pipeline"]) == {"nb", "knn"}
    assert len(got["summary"]) > 0
    # No temporary job file is left behind.
    assert not list(tmp_path.glob(".freshet-job-*"))


def test_check_refuses_a_bad_job_naming_its_pointer(tmp_path):
    job = small_job()
    job["pipelines"][1]["grid"] = {"n_neighbours": [1]}
    with pytest.raises(freshet.JobError, match="/pipelines/1/grid/n_neighbours"):
        freshet.run(job, base_dir=tmp_path, check=True)
    assert freshet.run(small_job(), base_dir=tmp_path, check=True) is None
