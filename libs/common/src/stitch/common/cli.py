"""The process entrypoints every service shares: ``python -m stitch.<service>.entrypoints.cli <cmd>``.

- ``migrate``   run the service's Alembic history to head
- ``declare``   declare the exchange and the service's queues
- ``serve``     the HTTP API on Werkzeug (development; production uses gunicorn, see Dockerfile)
- ``relay``     the outbox relay
- ``consumer``  the inbox consumer
- ``worker``    the Celery worker for the service's background and periodic jobs
- ``beat``      the Celery scheduler that sends the service's periodic jobs to the worker
- ``embedded``  API, relay, consumer and one loop per periodic job as threads of one process
                (``make run``); no Celery there
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence

from flask import Flask
from werkzeug.serving import make_server

from stitch.common.jobs import make_celery, run_periodically
from stitch.common.jsonlog import configure_logging
from stitch.common.runtime import ServiceRuntime

log = logging.getLogger(__name__)

COMMANDS = ("migrate", "declare", "serve", "relay", "consumer", "worker", "beat", "embedded")


def run_cli(argv: Sequence[str] | None, bootstrap: Callable[[], ServiceRuntime],
            create_app: Callable[[ServiceRuntime], Flask]) -> int:
    parser = argparse.ArgumentParser(description="Stitch service processes")
    parser.add_argument("command", choices=COMMANDS)
    args = parser.parse_args(argv)
    runtime = bootstrap()
    configure_logging(runtime.settings.service, runtime.settings.log_level)
    stop = _stop_on_signals()
    match args.command:
        case "migrate":
            runtime.migrate()
        case "declare":
            runtime.declare_topology()
        case "serve":
            _serve(create_app(runtime), runtime, stop)
        case "relay":
            runtime.relay().run(stop, runtime.settings.relay_interval)
        case "consumer":
            runtime.consumer().run(stop)
        case "worker" | "beat":
            celery = make_celery(runtime.settings, runtime.jobs, runtime.periodic)
            extra = ["--without-gossip", "--without-mingle", "--without-heartbeat"] if args.command == "worker" else []
            celery.start([args.command, "--loglevel", runtime.settings.log_level, *extra])
        case "embedded":
            run_embedded(runtime, create_app, stop)
    return 0


def run_embedded(runtime: ServiceRuntime, create_app: Callable[[ServiceRuntime], Flask],
                 stop: threading.Event) -> None:
    """One process per service: migrate, bind queues, then API, relay, consumer and periodic jobs as threads."""
    _stop_with_parent(stop)
    runtime.migrate()
    runtime.declare_topology()  # bind before anything publishes (filesystem:// keeps bindings on disk)
    threads = [
        threading.Thread(target=runtime.relay().run, args=(stop, runtime.settings.relay_interval),
                         name="relay", daemon=True),
        threading.Thread(target=runtime.consumer().run, args=(stop,), name="consumer", daemon=True),
        # Beat's job here: each periodic job loops on its own thread until stop.
        *(threading.Thread(target=run_periodically, args=(name, periodic, stop), name=f"periodic:{name}",
                           daemon=True)
          for name, periodic in runtime.periodic.items()),
    ]
    for thread in threads:
        thread.start()
    _serve(create_app(runtime), runtime, stop)
    for thread in threads:
        thread.join(timeout=5)


def _serve(app: Flask, runtime: ServiceRuntime, stop: threading.Event) -> None:
    settings = runtime.settings
    server = make_server(settings.http_host, settings.http_port, app, threaded=True)
    watcher = threading.Thread(target=lambda: (stop.wait(), server.shutdown()), daemon=True)
    watcher.start()
    log.info("%s listening on http://%s:%s", settings.service, settings.http_host, server.port)
    server.serve_forever()


def _stop_with_parent(stop: threading.Event) -> None:
    """Under `make run` the supervisor may be killed outright; don't outlive it as an orphan."""
    parent = os.getppid()

    def watch() -> None:
        while not stop.wait(1.0):
            if os.getppid() != parent:
                log.warning("supervisor is gone: stopping")
                stop.set()

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _stop_on_signals() -> threading.Event:
    stop = threading.Event()

    def _handler(signum, _frame):
        log.info("signal %s: stopping", signum)
        stop.set()

    signal.signal(signal.SIGINT, _handler)
    signal.signal(signal.SIGTERM, _handler)
    return stop


def main_for(bootstrap: Callable[[], ServiceRuntime], create_app: Callable[[ServiceRuntime], Flask]) -> None:
    sys.exit(run_cli(sys.argv[1:], bootstrap, create_app))
