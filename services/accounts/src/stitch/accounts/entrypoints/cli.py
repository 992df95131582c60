"""``stitch.accounts <command>``: see :mod:`stitch.common.cli` for the commands."""

from stitch.common.cli import main_for
from stitch.accounts.bootstrap import bootstrap
from stitch.accounts.entrypoints.http import create_app


def main() -> None:
    main_for(bootstrap, create_app)


if __name__ == "__main__":
    main()
