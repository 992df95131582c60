import json
import logging

import pytest

from stitch.common import context
from stitch.common.jsonlog import configure_logging


@pytest.fixture
def root_logger():
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    yield root
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
    root.setLevel(level)


def _lines(capsys) -> list[dict]:
    return [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.strip()]


def test_logs_are_json_with_service_and_request_id(root_logger, capsys):
    configure_logging("accounts", "INFO")
    with context.bound(request_id="req-1", correlation_id="corr-1"):
        logging.getLogger("stitch.test").info("hello %s", "world", extra={"account_id": "a-1"})
    logging.getLogger("stitch.test").debug("below the level")
    (line,) = _lines(capsys)
    assert line["message"] == "hello world" and line["level"] == "INFO" and line["logger"] == "stitch.test"
    assert line["service"] == "accounts" and line["request_id"] == "req-1" and line["correlation_id"] == "corr-1"
    assert line["account_id"] == "a-1" and "time" in line


def test_secret_fields_are_redacted(root_logger, capsys):
    configure_logging("gateway")
    logging.getLogger("stitch.test").warning("login", extra={"password": "hunter2", "access_token": "ey.x.y",
                                                             "Authorization": "Bearer abc", "user": "ann"})
    out = capsys.readouterr().out
    assert "hunter2" not in out and "ey.x.y" not in out and "Bearer abc" not in out
    (line,) = [json.loads(x) for x in out.splitlines()]
    assert line["password"] == line["access_token"] == line["Authorization"] == "[redacted]"
    assert line["user"] == "ann"


def test_configure_logging_is_idempotent(root_logger, capsys):
    configure_logging("accounts")
    configure_logging("accounts")
    logging.getLogger("stitch.test").info("once")
    assert len(_lines(capsys)) == 1
