from stitch.common.db.migrate import run_env
from stitch.templates.adapters.tables import metadata

run_env(metadata)
