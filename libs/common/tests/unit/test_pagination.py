import base64
from datetime import UTC, datetime

import pytest
from flask import Flask

from stitch.common.http.pagination import PageArgs, decode_cursor, encode_cursor, page_of, time_cursor
from stitch.common.http.problems import Problem


@pytest.fixture(autouse=True)
def _request_context():
    with Flask(__name__).test_request_context("/items"):
        yield


def test_cursor_round_trip():
    cursor = encode_cursor("2024-01-01T00:00:00Z", "id/with+odd=chars")
    assert "=" not in cursor and "/" not in cursor and "+" not in cursor
    assert decode_cursor(cursor) == ("2024-01-01T00:00:00Z", "id/with+odd=chars")


@pytest.mark.parametrize("cursor", [None, ""])
def test_no_cursor_means_the_first_page(cursor):
    assert decode_cursor(cursor) is None


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode()


@pytest.mark.parametrize("cursor", ["!!!", "garbage", "é", _b64(b"[]"), _b64(b"{}"), _b64(b"[1]"),
                                    _b64(b'"a"'), _b64(b"\xff\xfe"), _b64(b"[" * 2000)])
def test_a_garbage_cursor_is_a_422_problem(cursor):
    with pytest.raises(Problem) as caught:
        decode_cursor(cursor)
    assert caught.value.status == 422
    assert caught.value.extra["errors"] == [{"name": "query.cursor", "reason": "not a cursor this API issued"}]
    assert caught.value.as_response().status_code == 422


def test_page_of_gives_a_cursor_only_when_there_is_more():
    rows = [{"id": str(i)} for i in range(5)]
    page = page_of(rows, 3, lambda row: (row["id"],))
    assert page["items"] == rows[:3]
    assert decode_cursor(page["next_cursor"]) == ("2",)

    last = page_of(rows[3:], 3, lambda row: (row["id"],))
    assert last == {"items": rows[3:], "next_cursor": None}
    exact = page_of(rows[:3], 3, lambda row: (row["id"],))
    assert exact["next_cursor"] is None and len(exact["items"]) == 3
    assert page_of([], 3, lambda row: (row["id"],)) == {"items": [], "next_cursor": None}


def test_page_args_limits():
    assert PageArgs().load({}) == {"limit": 50, "cursor": None}
    with pytest.raises(Exception):
        PageArgs().load({"limit": 201})
    with pytest.raises(Exception):
        PageArgs().load({"limit": 0})


def test_a_time_cursor_is_a_time_with_its_offset_and_an_id():
    at = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)
    assert time_cursor(encode_cursor(at.isoformat(), "note-1")) == (at, "note-1")
    assert time_cursor(None) is None


@pytest.mark.parametrize("position", [("2026-11-22T09:30:00", "note-1"), ("yesterday", "note-1"),
                                      ("2026-11-22T09:30:00+00:00", ""), ("2026-11-22T09:30:00+00:00",)])
def test_a_time_cursor_this_api_did_not_write_is_a_422(position):
    with pytest.raises(Problem) as refused:
        time_cursor(encode_cursor(*position))
    assert refused.value.status == 422
