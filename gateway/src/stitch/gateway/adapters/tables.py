"""The gateway's tables. Organizations, users and credentials arrive with the identity issues."""

from sqlalchemy import MetaData

from stitch.common.db.messaging_tables import add_messaging_tables

metadata = MetaData()
add_messaging_tables(metadata)
