from stitch.common.db.migrate import run_env
from stitch.gateway.adapters.tables import metadata

run_env(metadata)
