"""The rings and service boundaries of DESIGN §1–2, enforced by import-linter."""

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PARTS = ["gateway", "templates", "accounts", "workflows", "portal", "connectors"]


def test_import_contracts_are_kept():
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_every_part_is_under_every_contract():
    """A new service cannot slip past the rules by not being listed."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    on_disk = sorted(p.parent.name for p in ROOT.glob("services/*/src/stitch/*/__init__.py")) + ["gateway"]
    assert sorted(on_disk) == sorted(PARTS)
    by_name = {c["name"]: c for c in config["contracts"]}
    listed = lambda contract, key: {m.split(".")[1] for m in by_name[contract][key]}  # noqa: E731
    assert listed("No service imports another service or the gateway", "modules") == set(PARTS)
    assert {m.split(".")[1] for m in by_name["stitch.common holds mechanics only: it imports no service"]
            ["forbidden_modules"]} == set(PARTS)
    rings = next(c for c in config["contracts"] if c["type"] == "layers")
    assert {m.split(".")[1] for m in rings["containers"]} == set(PARTS)
    for contract in config["contracts"]:
        if contract["type"] == "forbidden" and contract["source_modules"] != ["stitch.common"]:
            assert {m.split(".")[1] for m in contract["source_modules"]} == set(PARTS), contract["name"]
