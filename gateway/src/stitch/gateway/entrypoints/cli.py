"""``stitch-gateway <command>``: the shared process commands (see :mod:`stitch.common.cli`) and
the gateway's admin commands:

- ``create-org --name N --slug S --email-domain D``
- ``create-user --org S --email E --name N --role R``  (password from STITCH_NEW_PASSWORD or
  stdin with ``--password-stdin``; without either, one is generated and printed once)
- ``seed-demo [--password-file F]``  the demo org and admin of ``make run`` (prints the login)
- ``rotate-keys``  schedule a new signing key (published now, signing after the publish lead)

Admin commands print one JSON object, so scripts can read them.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
from collections.abc import Sequence
from pathlib import Path

from stitch.common.cli import COMMANDS, run_cli
from stitch.gateway import config
from stitch.gateway.adapters.signing_keys import rotate_key_file
from stitch.gateway.application.organizations import CreateOrganization, CreateUser
from stitch.gateway.bootstrap import bootstrap
from stitch.gateway.domain.identity import ROLES, IdentityConflict, InvalidIdentity
from stitch.gateway.entrypoints.http import create_app

ADMIN_COMMANDS = ("create-org", "create-user", "seed-demo", "rotate-keys")


def main(argv: Sequence[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in COMMANDS or argv[0] not in ADMIN_COMMANDS:
        sys.exit(run_cli(argv, bootstrap, create_app))
    try:
        print(json.dumps(_admin(_parser().parse_args(argv))))
    except (InvalidIdentity, IdentityConflict) as exc:
        print(f"stitch-gateway: {exc}", file=sys.stderr)
        sys.exit(2)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="stitch-gateway", description="Stitch gateway admin commands")
    commands = parser.add_subparsers(dest="command", required=True)
    org = commands.add_parser("create-org", help="create an organization")
    org.add_argument("--name", required=True)
    org.add_argument("--slug", required=True)
    org.add_argument("--email-domain", required=True)
    user = commands.add_parser("create-user", help="create a staff user")
    user.add_argument("--org", required=True, help="the organization's slug")
    user.add_argument("--email", required=True)
    user.add_argument("--name", required=True)
    user.add_argument("--role", required=True, choices=ROLES)
    user.add_argument("--password-stdin", action="store_true")
    demo = commands.add_parser("seed-demo", help="the demo organization and its admin")
    demo.add_argument("--password-file", type=Path, help="default: <var_dir>/gateway/demo-admin-password")
    commands.add_parser("rotate-keys", help="schedule a new token-signing key")
    return parser


def _admin(args: argparse.Namespace) -> dict:
    settings = config.load()
    if args.command == "rotate-keys":
        return rotate_key_file(settings.key_file, publish_lead=settings.key_publish_lead,
                               max_token_ttl=settings.access_token_ttl)
    runtime = bootstrap(settings)
    use = runtime.use_cases
    match args.command:
        case "create-org":
            org = use["create_organization"](CreateOrganization(args.name, args.slug, args.email_domain))
            return {"id": org.id, "slug": org.slug}
        case "create-user":
            password, generated = _new_password(args.password_stdin)
            user = use["create_user"](CreateUser(args.org, args.email, args.name, args.role, password))
            return {"id": user.id, "email": user.email, "role": user.role,
                    **({"password": password} if generated else {})}
        case "seed-demo":
            path = args.password_file or settings.var_dir / "gateway" / "demo-admin-password"
            password = _demo_password(path)
            admin = use["seed_demo"](password)
            return {"email": admin.email, "password": password, "org": "demo"}
    raise AssertionError(args.command)


def _new_password(from_stdin: bool) -> tuple[str, bool]:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n"), False
    if os.environ.get("STITCH_NEW_PASSWORD"):
        return os.environ["STITCH_NEW_PASSWORD"], False
    return secrets.token_urlsafe(18), True


def _demo_password(path: Path) -> str:
    """One random demo password per checkout, kept (mode 0600) under var/ so the login printed
    by `make run` stays the same from run to run."""
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    password = f"demo-{secrets.token_urlsafe(12)}"
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(password)
    return password


if __name__ == "__main__":
    main()
