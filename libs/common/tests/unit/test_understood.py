"""understood(): what marks an event as one a part can never apply (dead-lettered at once)."""

import types

import pytest

from stitch.common.messaging.errors import PermanentFailure, understood


class Refused(Exception):
    pass


def event(orgid="org-1"):
    return types.SimpleNamespace(type="x.thing_happened.v1", orgid=orgid)


def test_a_handler_that_runs_is_left_alone():
    ran = []
    understood(event(), lambda: ran.append(1))
    assert ran == [1]


@pytest.mark.parametrize("problem", [KeyError("account_id"), TypeError("not a str"), ValueError("bad date")])
def test_a_missing_or_mistyped_field_is_permanent(problem):
    def handler():
        raise problem
    with pytest.raises(PermanentFailure, match="without a usable"):
        understood(event(), handler)


def test_an_event_without_an_org_is_permanent_and_its_handler_never_runs():
    with pytest.raises(PermanentFailure, match="without orgid"):
        understood(event(orgid=None), lambda: pytest.fail("ran"))


def test_the_parts_own_refusals_are_permanent_and_other_errors_are_not():
    def refuse():
        raise Refused("rule")
    with pytest.raises(PermanentFailure, match="refused: rule"):
        understood(event(), refuse, refusals=(Refused,))
    with pytest.raises(Refused):  # not named: transient as far as the consumer knows
        understood(event(), refuse)

    def database_down():
        raise ConnectionError("db")
    with pytest.raises(ConnectionError):
        understood(event(), database_down, refusals=(Refused,))
