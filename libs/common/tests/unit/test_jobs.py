import logging
import threading

import pytest

from stitch.common.jobs import InProcessJobs, make_celery
from stitch.common.settings import ServiceSettings


def test_in_process_jobs_run_with_their_arguments():
    done = threading.Event()
    seen = {}

    def job(x, y):
        seen.update(x=x, y=y)
        done.set()
        return x + y

    jobs = InProcessJobs({"add": job})
    try:
        future = jobs.enqueue("add", x=1, y=2)
        assert future.result(timeout=5) == 3
        assert done.is_set() and seen == {"x": 1, "y": 2}
    finally:
        jobs.shutdown()


def test_a_failing_job_is_logged_not_raised(caplog):
    def broken():
        raise RuntimeError("kaput")

    jobs = InProcessJobs({"broken": broken})
    with caplog.at_level(logging.ERROR, logger="stitch.common.jobs"):
        future = jobs.enqueue("broken")  # does not raise
        jobs.shutdown()  # waits for the worker, and so for the done-callback that logs
    assert isinstance(future.exception(), RuntimeError)
    assert any("broken" in r.getMessage() and "kaput" in str(r.exc_info[1]) for r in caplog.records if r.exc_info)


def test_an_unknown_job_is_a_programming_error():
    jobs = InProcessJobs({})
    try:
        with pytest.raises(KeyError):
            jobs.enqueue("nope")
    finally:
        jobs.shutdown()


def _noop(**kwargs):
    return kwargs


def test_make_celery_never_loses_a_job_silently():
    settings = ServiceSettings(service="accounts", broker_url="amqp://guest:guest@rabbit:5672//",
                               broker_prefix="p.")
    app = make_celery(settings, {"accounts.scan_due": _noop, "accounts.draft": _noop})
    conf = app.conf
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert conf.task_default_queue == "p.accounts.jobs"
    assert conf.task_serializer == "json" and list(conf.accept_content) == ["json"]
    assert conf.broker_transport_options == {"confirm_publish": True}
    assert {"accounts.scan_due", "accounts.draft"} <= set(app.tasks)
    task = app.tasks["accounts.scan_due"]
    assert task.acks_late is True
    assert task.run(a=1) == {"a": 1}
