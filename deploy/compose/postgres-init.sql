-- docker-compose.yml: run once by the postgres image when its data volume is empty
-- (/docker-entrypoint-initdb.d). One database per part (each part owns its data, DESIGN §1),
-- all owned by the application role, which is not a superuser.
-- Development credentials only; a deployment gets its databases from CloudNativePG (DESIGN §5).

CREATE ROLE stitch WITH LOGIN PASSWORD 'stitch';

CREATE DATABASE stitch_gateway OWNER stitch;
CREATE DATABASE stitch_templates OWNER stitch;
CREATE DATABASE stitch_accounts OWNER stitch;
CREATE DATABASE stitch_workflows OWNER stitch;
CREATE DATABASE stitch_portal OWNER stitch;
CREATE DATABASE stitch_connectors OWNER stitch;
