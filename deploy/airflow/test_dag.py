"""The wbexport DAGs in real Apache Airflow (make test-airflow).

Each test runs ``airflow dags test`` (the scheduler's task runner, in-process, on a SQLite
metadata database of its own) against the WorkBoard emulator (``wbexport emulate``), then reads
what Airflow recorded (task instance state and tries, XCom) from the metadata database and what
wbexport published from the output directory.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import pathlib
import socket
import sqlite3
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
DAGS = ROOT / "deploy" / "airflow"
BIN = pathlib.Path(os.environ.get("WBEXPORT_BIN", ROOT / "bin" / "wbexport"))
AIRFLOW = pathlib.Path(sys.executable).parent / "airflow"
GOALS = 60
TABLES = [
    "users", "teams", "team_members", "goals", "key_results", "key_result_checkins",
    "key_result_confidence", "key_result_comments", "goal_comments", "goal_alignments", "tags",
    "key_result_tags",
]


@pytest.fixture(scope="session")
def emulator():
    """A WorkBoard emulator with a GOALS-goal org: (API base URL, Data-Admin token)."""
    proc = subprocess.Popen(
        [str(BIN), "emulate", "--addr", "127.0.0.1:0", "--goals", str(GOALS), "--seed", "3"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    base = token = None
    for line in proc.stdout:
        if line.startswith("base URL:"):
            base = line.split()[-1]
        elif line.startswith("Data-Admin token:"):
            token = line.split()[-1]
        if base and token:
            break
    assert base and token, "the emulator did not print its URL and token"
    yield base, token
    proc.terminate()
    proc.wait(timeout=30)


@pytest.fixture(scope="session")
def airflow_env(tmp_path_factory):
    """The environment of an Airflow with its own home and metadata database, migrated."""
    home = tmp_path_factory.mktemp("airflow-home")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "WBEXPORT_", "WORKBOARD_"))}
    env.update({
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
        "WBEXPORT_BIN": str(BIN),
        "WBEXPORT_RETRIES": "2",
        "WBEXPORT_RETRY_DELAY_SECONDS": "1",
        "WBEXPORT_RATE": "500",
    })
    subprocess.run([str(AIRFLOW), "db", "migrate"], env=env, check=True, capture_output=True)
    return env


def dags_test(env: dict, date: str, **extra: str) -> subprocess.CompletedProcess:
    """Runs `airflow dags test wbexport_nightly DATE` with extra environment."""
    return subprocess.run(
        [str(AIRFLOW), "dags", "test", "wbexport_nightly", date],
        env={**env, **extra}, capture_output=True, text=True, timeout=600,
    )


def recorded(env: dict, date: str) -> tuple[str, int, object]:
    """The export task of the latest run of DATE: (state, try number, XCom return_value)."""
    db = sqlite3.connect(pathlib.Path(env["AIRFLOW_HOME"]) / "airflow.db")
    try:
        (run_id,) = db.execute(
            "SELECT run_id FROM dag_run WHERE dag_id = 'wbexport_nightly' AND logical_date LIKE ? "
            "ORDER BY id DESC LIMIT 1", (date + "%",)).fetchone()
        state, tries = db.execute(
            "SELECT state, try_number FROM task_instance WHERE dag_id = 'wbexport_nightly' "
            "AND run_id = ? AND task_id = 'export'", (run_id,)).fetchone()
        row = db.execute(
            "SELECT value FROM xcom WHERE dag_id = 'wbexport_nightly' AND run_id = ? "
            "AND task_id = 'export' AND key = 'return_value'", (run_id,)).fetchone()
    finally:
        db.close()
    value = None
    if row is not None:
        value = json.loads(row[0])
        if isinstance(value, str):  # stored as a JSON string of the dict
            value = json.loads(value)
    return state, tries, value


def published(root: pathlib.Path, date: str) -> dict[str, int]:
    """Rows per table of the partitions of DATE that have _SUCCESS (from their manifests)."""
    out = {}
    for table in TABLES:
        part = root / table / f"snapshot_date={date}"
        if (part / "_SUCCESS").exists():
            out[table] = json.loads((part / "_manifest.json").read_text())["total_rows"]
    return out


def today() -> dt.date:
    return dt.datetime.now(dt.timezone.utc).date()


def test_nightly_run_publishes_and_pushes_the_summary(emulator, airflow_env, tmp_path):
    base, token = emulator
    date = today().isoformat()
    res = dags_test(airflow_env, date, WBEXPORT_API_URL=base, WORKBOARD_TOKEN=token,
                    WBEXPORT_SINK=f"file://{tmp_path}")
    assert res.returncode == 0, res.stdout[-4000:] + res.stderr[-4000:]
    state, tries, summary = recorded(airflow_env, date)
    assert (state, tries) == ("success", 1)
    rows = published(tmp_path, date)
    assert sorted(rows) == sorted(TABLES), f"published: {rows}"
    assert rows["goals"] == GOALS
    assert all(n > 0 for n in rows.values()), rows
    # The XCom holds the whole run summary (wbexport's one JSON line), as a dict.
    assert isinstance(summary, dict), summary
    assert summary["status"] == "succeeded"
    assert summary["exit_code"] == 0
    assert summary["snapshot_date"] == date
    assert summary["sink"] == f"file://{tmp_path}"
    assert {t: v["rows"] for t, v in summary["tables"].items()} == rows


def test_a_past_snapshot_date_fails_at_once(emulator, airflow_env, tmp_path):
    """A backfill for an older day would label today's data with it: wbexport refuses (exit 2)
    and the task fails on its first try, although it has retries left."""
    base, token = emulator
    date = (today() - dt.timedelta(days=3)).isoformat()
    res = dags_test(airflow_env, date, WBEXPORT_API_URL=base, WORKBOARD_TOKEN=token,
                    WBEXPORT_SINK=f"file://{tmp_path}")
    assert res.returncode != 0
    state, tries, summary = recorded(airflow_env, date)
    assert (state, tries) == ("failed", 1)
    assert summary is None
    assert "--allow-backdate" in res.stdout + res.stderr
    assert published(tmp_path, date) == {}


def test_a_transient_failure_is_retried(airflow_env, tmp_path):
    """WorkBoard unreachable: wbexport exits 4 and Airflow retries (2 retries: 3 tries)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    date = today().isoformat()
    res = dags_test(airflow_env, date, WBEXPORT_API_URL=f"http://127.0.0.1:{closed}/wb/apis",
                    WORKBOARD_TOKEN="wbt-not-used", WBEXPORT_SINK=f"file://{tmp_path}",
                    WBEXPORT_MAX_ATTEMPTS="1")
    assert res.returncode != 0
    state, tries, _ = recorded(airflow_env, date)
    assert (state, tries) == ("failed", 3)
    assert "exit code 4" in res.stdout + res.stderr
    assert published(tmp_path, date) == {}


def test_both_dags_import(airflow_env):
    """Both DAGs load without import errors; the Kubernetes variant runs the image with the
    templated snapshot date, the summary in the xcom sidecar's file and the token from a
    mounted secret."""
    script = """
import json
from airflow.models.dagbag import DagBag
bag = DagBag()
k8s = bag.dags["wbexport_nightly_k8s"].get_task("export")
night = bag.dags["wbexport_nightly"]
print(json.dumps({
    "errors": {k: str(v) for k, v in bag.import_errors.items()},
    "dags": sorted(bag.dag_ids),
    "catchup": [bag.dags[d].catchup for d in sorted(bag.dag_ids)],
    "arguments": k8s.arguments,
    "env": k8s.env_vars if isinstance(k8s.env_vars, dict) else {e.name: e.value for e in k8s.env_vars},
    "retries": night.get_task("export").retries,
}))
"""
    res = subprocess.run([sys.executable, "-c", script], env=airflow_env, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-4000:]
    got = json.loads(res.stdout.strip().splitlines()[-1])
    assert got["errors"] == {}
    assert got["dags"] == ["wbexport_nightly", "wbexport_nightly_k8s"]
    assert got["catchup"] == [False, False]
    assert got["arguments"][:3] == ["run", "--snapshot-date", "{{ ds }}"]
    assert "/airflow/xcom/return.json" in got["arguments"]
    assert got["env"]["WBEXPORT_TOKEN_FILE"] == "/run/secrets/workboard/token"
    assert got["retries"] == 2


def test_pod_operator_retries_exit_4_only(airflow_env, monkeypatch):
    """The Kubernetes variant (no cluster here): when the pod failed, wbexport's exit code in
    the pod status decides, as for the binary, whether Airflow may retry."""
    for k, v in airflow_env.items():
        monkeypatch.setenv(k, v)
    monkeypatch.syspath_prepend(str(DAGS))
    import importlib
    from types import SimpleNamespace

    from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator

    dag = importlib.import_module("wbexport_dag")
    op = dag.nightly_k8s.get_task("export")

    def failed_pod(code):
        term = SimpleNamespace(exit_code=code)
        status = SimpleNamespace(name=op.base_container_name, state=SimpleNamespace(terminated=term))
        return SimpleNamespace(status=SimpleNamespace(phase="Failed", container_statuses=[status]))

    def parent_cleanup(self, pod, remote_pod, *args, **kwargs):
        raise dag.AirflowException("Pod wbexport returned a failure.")

    monkeypatch.setattr(KubernetesPodOperator, "cleanup", parent_cleanup)
    for code, retried in [(4, True), (1, False), (2, False), (3, False)]:
        with pytest.raises(dag.AirflowException) as info:
            op.cleanup(None, failed_pod(code), xcom_result=None, context=None)
        assert isinstance(info.value, dag.AirflowFailException) != retried, (code, info.value)
