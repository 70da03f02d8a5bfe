-- Database roles for the FrontRow subgraphs.
--
-- The postgres image runs this file once, when its data directory is empty, as the
-- superuser connected to POSTGRES_DB (`frontrow`), with psql's ON_ERROR_STOP set.
-- Changing it later has no effect on an existing volume: recreate the volume
-- (`docker compose -f docker/compose.yaml down -v`) or apply the change by hand.
--
-- Each subgraph gets a login role named after it and a schema of the same name that
-- the role owns; the subgraph keeps its tables and its migration history there and
-- cannot touch another subgraph's schema. Passwords are read from the container's
-- environment with psql's \getenv (PostgreSQL 15), so none is written in this file.

-- Only the roles granted CONNECT below may open the frontrow database.
REVOKE CONNECT, TEMPORARY ON DATABASE frontrow FROM PUBLIC;

-- ---------------------------------------------------------------------------------
-- identity
-- ---------------------------------------------------------------------------------
\getenv identity_password IDENTITY_DB_PASSWORD
\if :{?identity_password}
\else
  DO $$ BEGIN RAISE EXCEPTION 'IDENTITY_DB_PASSWORD is not set in the postgres container'; END $$;
\endif

CREATE ROLE identity LOGIN PASSWORD :'identity_password';
GRANT CONNECT ON DATABASE frontrow TO identity;
CREATE SCHEMA identity AUTHORIZATION identity;
ALTER ROLE identity SET search_path = identity;
-- At every start the kit runs `CREATE SCHEMA IF NOT EXISTS identity`, and PostgreSQL
-- checks the CREATE privilege on the database before it sees that the schema exists.
GRANT CREATE ON DATABASE frontrow TO identity;
\unset identity_password

-- A new subgraph repeats the block above with its own name and <NAME>_DB_PASSWORD
-- (passed to the postgres service in compose.yaml).
