"""gunicorn settings shared by every Stitch HTTP API (the image's default command).

    gunicorn --config deploy/gunicorn.conf.py 'stitch.<part>.entrypoints.http:create_app()'

Everything is read from the environment, so one file serves the gateway and all five services:

- ``STITCH_HTTP_HOST`` / ``STITCH_HTTP_PORT``: the bind address (the same variables the service's
  settings read). Without ``STITCH_HTTP_PORT`` the part named by ``SERVICE`` (set by the Dockerfile)
  listens on its default port from DESIGN §5.
- ``WEB_CONCURRENCY`` worker processes and ``GUNICORN_THREADS`` threads each (gthread: the
  gateway's forwarding and the services' database calls are I/O-bound).
- ``GUNICORN_GRACEFUL_TIMEOUT``: seconds a worker gets to finish its requests after SIGTERM; keep
  Kubernetes' ``terminationGracePeriodSeconds`` (and compose's ``stop_grace_period``) above it.
- ``PROMETHEUS_MULTIPROC_DIR`` must already be in the process environment (the Dockerfile sets it):
  prometheus_client picks its storage when it is first imported (reference/tooling.md §5).
"""

from __future__ import annotations

import importlib
import os
import shutil

from prometheus_client import multiprocess


def _default_port() -> int:
    part = os.environ.get("SERVICE", "")
    if not part:
        return 8000
    return int(importlib.import_module(f"stitch.{part}.config").Settings.http_port)


bind = f"{os.environ.get('STITCH_HTTP_HOST', '0.0.0.0')}:{os.environ.get('STITCH_HTTP_PORT') or _default_port()}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))  # a worker silent this long is restarted
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = 5  # a little above typical load-balancer idle probes
max_requests = 0  # no recycling: each recycled worker leaves metric files behind (tooling.md §5)

# The app writes its own JSON request logs (with request and correlation ids; see post_fork);
# gunicorn's access log would duplicate every line in another format. Errors still go to stderr.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("STITCH_LOG_LEVEL", "info").lower()

# Heartbeat files in memory, not on the container's overlay filesystem (which can stall them).
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
# gunicorn 24+ opens a control socket under $HOME by default; containers never use it.
control_socket_disable = True


def post_fork(server, worker) -> None:
    """In each worker, before it loads the app: the JSON logs every other Stitch process writes.

    ``create_app()`` leaves logging to the entrypoint (the CLI calls ``configure_logging``); here
    gunicorn is the entrypoint, and without this the app's own access log (INFO) is dropped.
    """
    from stitch.common.jsonlog import configure_logging

    configure_logging(os.environ.get("SERVICE") or "stitch", os.environ.get("STITCH_LOG_LEVEL", "INFO").upper())


def on_starting(server) -> None:
    """In the master, before any worker forks: start from an empty metrics directory."""
    directory = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    shutil.rmtree(directory, ignore_errors=True)
    os.makedirs(directory, exist_ok=True)


def child_exit(server, worker) -> None:
    """Drop the live-gauge files of a worker that is gone (its counters are kept)."""
    multiprocess.mark_process_dead(worker.pid)
