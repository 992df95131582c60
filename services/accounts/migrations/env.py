from stitch.accounts.adapters.tables import metadata
from stitch.common.db.migrate import run_env

run_env(metadata)
