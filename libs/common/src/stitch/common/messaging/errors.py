"""How an event handler tells the consumer what kind of failure it hit."""


class PermanentFailure(Exception):
    """The event can never be applied (it contradicts the contract): dead-letter it at once."""
