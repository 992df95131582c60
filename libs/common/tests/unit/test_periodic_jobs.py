import logging
import threading

from stitch.common.jobs import Periodic, make_celery, run_periodically
from stitch.common.settings import ServiceSettings


def _start(name, periodic, stop):
    thread = threading.Thread(target=run_periodically, args=(name, periodic, stop), daemon=True)
    thread.start()
    return thread


def test_runs_repeatedly_and_stops_promptly():
    stop = threading.Event()
    calls = []
    third = threading.Event()

    def job():
        calls.append(1)
        if len(calls) >= 3:
            third.set()

    thread = _start("tick", Periodic(every_seconds=0.01, job=job), stop)
    assert third.wait(timeout=5)
    stop.set()
    thread.join(timeout=1)  # the wait is on the event, so stopping doesn't sit out an interval
    assert not thread.is_alive()


def test_stop_interrupts_a_long_interval():
    stop = threading.Event()
    ran = threading.Event()
    thread = _start("slow", Periodic(every_seconds=3600, job=ran.set), stop)
    assert ran.wait(timeout=5)  # the first run is immediate, not after an interval
    stop.set()
    thread.join(timeout=1)
    assert not thread.is_alive()


def test_a_failing_run_is_logged_and_the_loop_goes_on(caplog):
    stop = threading.Event()
    calls = []
    recovered = threading.Event()

    def job():
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("kaput")
        recovered.set()

    with caplog.at_level(logging.ERROR, logger="stitch.common.jobs"):
        thread = _start("flaky", Periodic(every_seconds=0.01, job=job), stop)
        try:
            assert recovered.wait(timeout=5)
        finally:
            stop.set()
            thread.join(timeout=1)
    assert not thread.is_alive()
    assert any("flaky" in r.getMessage() and isinstance(r.exc_info[1], RuntimeError)
               for r in caplog.records if r.exc_info)


def _scan_due():
    return "scanned"


def test_make_celery_schedules_periodic_jobs_for_beat():
    # Constructing the app does not connect to the broker, so this stays a socket-free unit test.
    # The task name is one no other test uses: make_celery's plain jobs are Celery "shared" tasks,
    # which join every app built later in the process, and the first callable under a name wins.
    settings = ServiceSettings(service="accounts", broker_url="amqp://guest:guest@rabbit:5672//",
                               broker_prefix="p.")
    name = "accounts.scan_due_actions"
    app = make_celery(settings, {}, {name: Periodic(every_seconds=30, job=_scan_due)})
    assert app.conf.beat_schedule == {name: {"task": name, "schedule": 30}}
    task = app.tasks[name]  # the worker must know the task beat sends
    assert task.acks_late is True
    assert task.run() == "scanned"


def test_make_celery_without_periodic_jobs_schedules_nothing():
    settings = ServiceSettings(service="accounts", broker_url="amqp://guest:guest@rabbit:5672//")
    assert make_celery(settings, {}).conf.beat_schedule == {}
