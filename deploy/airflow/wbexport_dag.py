"""Nightly wbexport export for Apache Airflow (2.10+ and 3.x).

Two DAGs, one per way of running wbexport:

* ``wbexport_nightly`` runs the binary on the worker (BashOperator). Install the static binary
  (``make build`` → bin/wbexport, or copy it from the image) and point WBEXPORT_BIN at it.
* ``wbexport_nightly_k8s`` runs the container image in a pod (KubernetesPodOperator, defined
  when apache-airflow-providers-cncf-kubernetes is installed).

wbexport reads every flag from a WBEXPORT_<FLAG> environment variable, so the worker's (or the
pod's) environment configures the export, e.g.::

    WBEXPORT_SINK=s3://my-bucket/workboard      # or bigquery://PROJECT/DATASET, file:///data/...
    WBEXPORT_TOKEN_FILE=/run/secrets/workboard  # or WORKBOARD_TOKEN
    WBEXPORT_REGION=eu                          # optional

Each run exports the snapshot of its logical date, ``--snapshot-date {{ ds }}``. wbexport only
accepts today or yesterday: a backfill or catchup run for an older date fails at once (exit 2)
instead of labelling today's data with a past date, so ``catchup`` is off.

Retries: wbexport exits 4 when the failure is transient (WorkBoard or the sink unavailable,
throttled beyond --max-attempts, a network failure) and 1, 2 or 3 when retrying cannot help (a
decode error, a bad flag, a rejected token). The operators here retry exit 4 only; any other
failure fails the task at once. Nothing half-done is ever published, so a retry is always safe.

The run summary is pushed to XCom (return_value) as a dict: wbexport prints it as one JSON line
when stdout is not a terminal, and BashOperator keeps the last line.

Settings read when the DAG is parsed: WBEXPORT_BIN (the binary, default ``wbexport`` on PATH),
WBEXPORT_SCHEDULE (cron, default 02:00 UTC), WBEXPORT_RETRIES (default 3),
WBEXPORT_RETRY_DELAY_SECONDS (default 900, doubled on each retry), WBEXPORT_TIMEOUT_MINUTES
(default 120: enough for about 30,000 goals at --rate 5), WBEXPORT_IMAGE (the image of
the Kubernetes variant), WBEXPORT_K8S_NAMESPACE and WBEXPORT_K8S_TOKEN_SECRET (the Kubernetes
secret holding the token under the key ``token``).
"""

from __future__ import annotations

import json
import os
import re
from datetime import timedelta

import pendulum

try:  # Airflow 3
    from airflow.sdk import DAG
except ImportError:  # Airflow 2
    from airflow import DAG
try:  # Airflow 3 and the standard provider
    from airflow.providers.standard.operators.bash import BashOperator
except ImportError:  # Airflow 2
    from airflow.operators.bash import BashOperator
try:  # Airflow 3
    from airflow.sdk.exceptions import AirflowException, AirflowFailException
except ImportError:  # Airflow 2
    from airflow.exceptions import AirflowException, AirflowFailException

# wbexport's exit code for a transient failure: the only one worth a retry.
EXIT_TRANSIENT = 4

WBEXPORT = os.environ.get("WBEXPORT_BIN", "wbexport")
SCHEDULE = os.environ.get("WBEXPORT_SCHEDULE", "0 2 * * *")

DEFAULT_ARGS = {
    "owner": "data-platform",
    "retries": int(os.environ.get("WBEXPORT_RETRIES", "3")),
    "retry_delay": timedelta(seconds=int(os.environ.get("WBEXPORT_RETRY_DELAY_SECONDS", "900"))),
    "retry_exponential_backoff": True,
    # An export makes 0.25 (team goals) to 1.05 (personal goals) requests per goal: at the
    # default --rate 5 at most about 3.5 minutes per 1,000 goals; --per-key-result about triples
    # that. Size WBEXPORT_TIMEOUT_MINUTES from your org (requests_per_goal in the summary).
    "execution_timeout": timedelta(minutes=int(os.environ.get("WBEXPORT_TIMEOUT_MINUTES", "120"))),
}


def _exit_code(err: BaseException) -> int | None:
    """The exit code an operator's failure names, or None."""
    m = re.search(r"exit code:? (\d+)", str(err))
    return int(m.group(1)) if m else None


def _not_retried(code: int | None) -> AirflowFailException | None:
    """The failure to raise instead, so that Airflow does not retry, for a wbexport exit code
    that is not transient; None for the transient code (or an unknown one: retried)."""
    if code is None or code == EXIT_TRANSIENT:
        return None
    return AirflowFailException(
        f"wbexport exited {code}: retrying cannot help (the log's last 'wbexport:' line says why)"
    )


class WbexportOperator(BashOperator):
    """Runs a wbexport command line; retries only wbexport's transient exit code (4).

    Any other failure raises AirflowFailException, which fails the task without retrying. The
    last line of stdout (the run summary, one JSON line) is pushed to XCom as a dict.
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("skip_on_exit_code", None)
        kwargs.setdefault("output_processor", json.loads)
        super().__init__(**kwargs)

    def execute(self, context):
        try:
            return super().execute(context)
        except AirflowFailException:
            raise
        except AirflowException as err:
            fail = _not_retried(_exit_code(err))
            if fail is not None:
                raise fail from err
            raise


with DAG(
    dag_id="wbexport_nightly",
    description="Export WorkBoard goals, key results and their history as today's snapshot (wbexport run)",
    schedule=SCHEDULE,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,  # runs on one sink must not overlap
    default_args=DEFAULT_ARGS,
    tags=["wbexport", "workboard", "elt"],
) as nightly:
    WbexportOperator(
        task_id="export",
        bash_command=f"{WBEXPORT} run --snapshot-date {{{{ ds }}}} --log-format json --progress never",
        append_env=True,  # the worker's WBEXPORT_* and WORKBOARD_TOKEN configure the run
    )


try:
    from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator
    from airflow.providers.cncf.kubernetes.secret import Secret
except ImportError:  # the provider is not installed: no Kubernetes variant
    KubernetesPodOperator = None

if KubernetesPodOperator is not None:

    class WbexportPodOperator(KubernetesPodOperator):
        """Runs the wbexport image; retries only its transient exit code (4)."""

        def cleanup(self, pod, remote_pod, *args, **kwargs):
            try:
                return super().cleanup(pod, remote_pod, *args, **kwargs)
            except AirflowFailException:
                raise
            except AirflowException as err:
                fail = _not_retried(_container_exit_code(remote_pod, self.base_container_name))
                if fail is not None:
                    raise fail from err
                raise

    def _container_exit_code(pod, name):
        for st in getattr(getattr(pod, "status", None), "container_statuses", None) or []:
            term = getattr(getattr(st, "state", None), "terminated", None)
            if st.name == name and term is not None:
                return term.exit_code
        return None

    with DAG(
        dag_id="wbexport_nightly_k8s",
        description="wbexport run in its container image (KubernetesPodOperator)",
        schedule=SCHEDULE,
        start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
        catchup=False,
        max_active_runs=1,
        default_args=DEFAULT_ARGS,
        tags=["wbexport", "workboard", "elt"],
    ) as nightly_k8s:
        WbexportPodOperator(
            task_id="export",
            name="wbexport",
            namespace=os.environ.get("WBEXPORT_K8S_NAMESPACE", "default"),
            image=os.environ.get("WBEXPORT_IMAGE", "wbexport:latest"),
            # The summary goes to the file the xcom sidecar reads.
            arguments=[
                "run", "--snapshot-date", "{{ ds }}", "--log-format", "json", "--progress", "never",
                "--summary-file", "/airflow/xcom/return.json",
            ],
            env_vars={
                "WBEXPORT_SINK": os.environ.get("WBEXPORT_SINK", "s3://my-bucket/workboard"),
                "WBEXPORT_TOKEN_FILE": "/run/secrets/workboard/token",
            },
            secrets=[Secret("volume", "/run/secrets/workboard", os.environ.get("WBEXPORT_K8S_TOKEN_SECRET", "workboard-token"), "token")],
            do_xcom_push=True,
            get_logs=True,
            on_finish_action="delete_pod",
        )
