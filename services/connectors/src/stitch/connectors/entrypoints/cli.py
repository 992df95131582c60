"""``stitch-connectors <command>``: the shared process commands (see :mod:`stitch.common.cli`) and
the connectors' admin commands:

- ``new-token-key [--id ID]``  print a fresh ``<id>:<key>`` entry for STITCH_TOKEN_KEYS
- ``reencrypt-tokens``  seal every stored token again under the first key of STITCH_TOKEN_KEYS
  (rotation: put the new key first, run this, then drop the old key once no token uses it)

Admin commands print one JSON object, so scripts can read them; never a token.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import UTC, datetime

from stitch.common.cli import COMMANDS, run_cli
from stitch.connectors.adapters.token_cipher import new_key_entry
from stitch.connectors.bootstrap import bootstrap
from stitch.connectors.entrypoints.http import create_app

ADMIN_COMMANDS = ("new-token-key", "reencrypt-tokens")


def main(argv: Sequence[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in COMMANDS or argv[0] not in ADMIN_COMMANDS:
        sys.exit(run_cli(argv, bootstrap, create_app))
    parser = argparse.ArgumentParser(prog="stitch-connectors")
    commands = parser.add_subparsers(dest="command", required=True)
    new_key = commands.add_parser("new-token-key", help="print a new key entry for STITCH_TOKEN_KEYS")
    new_key.add_argument("--id", default=f"k{datetime.now(UTC):%Y%m%d}", help="the key id (default k<date>)")
    commands.add_parser("reencrypt-tokens", help="seal every token again under the primary key")
    args = parser.parse_args(argv)
    if args.command == "new-token-key":
        print(json.dumps({"entry": new_key_entry(args.id)}))
        return
    runtime = bootstrap()
    result = runtime.use_cases["reencrypt_tokens"]()
    print(json.dumps({"reencrypted": result.connections, "unreadable": result.unreadable, "by_key": result.by_key}))
    sys.exit(1 if result.unreadable else 0)


if __name__ == "__main__":
    main()
