"""TXT lookups for custom-domain verification (dnspython), with a short timeout."""

from __future__ import annotations

from collections.abc import Callable

import dns.exception
import dns.resolver


def txt_lookup(timeout: float = 3.0) -> Callable[[str], list[str]]:
    def lookup(name: str) -> list[str]:
        try:
            resolver = dns.resolver.Resolver()  # reads resolv.conf now, not at start-up
            resolver.lifetime = timeout
            answer = resolver.resolve(name, "TXT")
        except (dns.exception.DNSException, OSError):
            return []  # absent, unreachable or refused all read the same: not verified (yet)
        return [b"".join(record.strings).decode(errors="replace") for record in answer]

    return lookup
