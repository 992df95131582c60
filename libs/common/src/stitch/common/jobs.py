"""Background jobs inside one service, behind a port.

Services enqueue jobs by name through :class:`JobQueue`. In the full stack that is Celery (with
late acks, ``reject_on_worker_lost`` and prefetch 1, so a crashed worker's job runs again); in
embedded mode the same functions run on a small thread pool in the service's own process.
Jobs must therefore be idempotent. Celery is never the way services talk to each other.

Periodic jobs (:class:`Periodic`) run on a schedule: Celery beat sends them in the full stack,
:func:`run_periodically` loops them on a thread in embedded mode.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Protocol

from celery import Celery

from stitch.common.settings import ServiceSettings

log = logging.getLogger(__name__)

Job = Callable[..., Any]


class JobQueue(Protocol):
    def enqueue(self, name: str, **kwargs: Any) -> None: ...


class InProcessJobs:
    """Embedded mode: run registered jobs on a thread pool, logging (never raising) failures."""

    def __init__(self, jobs: Mapping[str, Job], workers: int = 2) -> None:
        self._jobs = dict(jobs)
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="job")

    def enqueue(self, name: str, **kwargs: Any) -> Future:
        job = self._jobs[name]  # KeyError for an unknown job: a programming error, fail loudly
        future = self._pool.submit(job, **kwargs)
        future.add_done_callback(lambda f: f.exception() and log.error("job %s failed", name, exc_info=f.exception()))
        return future

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=False)


@dataclasses.dataclass(frozen=True)
class Periodic:
    """A job called with no arguments every ``every_seconds`` (e.g. scanning due scheduled actions)."""

    every_seconds: float
    job: Job


def run_periodically(name: str, periodic: Periodic, stop: threading.Event) -> None:
    """Embedded mode: run the job now, then every interval until ``stop`` is set.

    A failing run is logged, not raised: one bad run must not end the schedule. Waiting on the
    event rather than sleeping lets a signal stop the loop at once.
    """
    while not stop.is_set():
        try:
            periodic.job()
        except Exception:
            log.exception("periodic job %s failed", name)
        stop.wait(periodic.every_seconds)


class CeleryJobs:
    def __init__(self, app: Celery) -> None:
        self._app = app

    def enqueue(self, name: str, **kwargs: Any) -> None:
        self._app.send_task(name, kwargs=kwargs)


def make_celery(settings: ServiceSettings, jobs: Mapping[str, Job],
                periodic: Mapping[str, Periodic] | None = None) -> Celery:
    """A Celery app for one service with the settings that never lose a job silently.

    Periodic jobs are registered as tasks too (so the worker can run what beat sends) and
    scheduled in ``beat_schedule`` under their own names.
    """
    from stitch.common.messaging.broker import transport_options

    periodic = periodic or {}
    app = Celery(f"stitch.{settings.service}", set_as_current=False)
    app.conf.update(
        broker_url=settings.broker_url,
        broker_transport_options=transport_options(settings),
        task_default_queue=f"{settings.broker_prefix}{settings.service}.jobs",
        task_acks_late=True,  # ack after the job ran, so a lost worker's job is redelivered
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_serializer="json",
        accept_content=["json"],
        result_backend=None,
        task_ignore_result=True,
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
        beat_schedule_filename=str(settings.var_dir / f"celerybeat-{settings.service}"),
        enable_utc=True,
    )
    for name, job in jobs.items():
        app.task(name=name, bind=False, acks_late=True)(job)
    for name, entry in periodic.items():
        # shared=False: Celery would otherwise add the task to every app built later in this process.
        app.task(name=name, bind=False, acks_late=True, shared=False)(entry.job)
    app.conf.beat_schedule = {name: {"task": name, "schedule": entry.every_seconds}
                              for name, entry in periodic.items()}
    return app
