-- docker-compose.yml: run once by the postgres image when its data volume is empty
-- (/docker-entrypoint-initdb.d). One database per part (each part owns its data, DESIGN §1).
-- Two roles, neither a superuser (DESIGN §4):
--   stitch_owner  owns the databases and, through the migrate one-shots
--                 (STITCH_MIGRATE_DATABASE_URL), every table; migrate then grants stitch_app
--                 what it needs (stitch.common.db.grants).
--   stitch_app    what every long-running process connects as (STITCH_DATABASE_URL): owns
--                 nothing, cannot bypass row-level security, may only connect here.
-- Development credentials only; a deployment gets its databases from CloudNativePG (DESIGN §5).

CREATE ROLE stitch_owner WITH LOGIN PASSWORD 'stitch_owner' NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
CREATE ROLE stitch_app WITH LOGIN PASSWORD 'stitch_app' NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;

CREATE DATABASE stitch_gateway OWNER stitch_owner;
CREATE DATABASE stitch_templates OWNER stitch_owner;
CREATE DATABASE stitch_accounts OWNER stitch_owner;
CREATE DATABASE stitch_workflows OWNER stitch_owner;
CREATE DATABASE stitch_portal OWNER stitch_owner;
CREATE DATABASE stitch_connectors OWNER stitch_owner;

-- Connect, nothing more: no CREATE (schemas), no TEMPORARY. PostgreSQL 16 already gives the
-- public schema to the database owner with no CREATE for anyone else.
REVOKE ALL ON DATABASE stitch_gateway, stitch_templates, stitch_accounts, stitch_workflows, stitch_portal,
    stitch_connectors FROM PUBLIC;
GRANT CONNECT ON DATABASE stitch_gateway, stitch_templates, stitch_accounts, stitch_workflows, stitch_portal,
    stitch_connectors TO stitch_app;
