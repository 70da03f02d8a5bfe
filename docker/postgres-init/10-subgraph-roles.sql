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

-- ---------------------------------------------------------------------------------
-- events
-- ---------------------------------------------------------------------------------
\getenv events_password EVENTS_DB_PASSWORD
\if :{?events_password}
\else
  DO $$ BEGIN RAISE EXCEPTION 'EVENTS_DB_PASSWORD is not set in the postgres container'; END $$;
\endif

CREATE ROLE events LOGIN PASSWORD :'events_password';
GRANT CONNECT ON DATABASE frontrow TO events;
CREATE SCHEMA events AUTHORIZATION events;
ALTER ROLE events SET search_path = events;
GRANT CREATE ON DATABASE frontrow TO events;
\unset events_password

-- ---------------------------------------------------------------------------------
-- media
-- ---------------------------------------------------------------------------------
\getenv media_password MEDIA_DB_PASSWORD
\if :{?media_password}
\else
  DO $$ BEGIN RAISE EXCEPTION 'MEDIA_DB_PASSWORD is not set in the postgres container'; END $$;
\endif

CREATE ROLE media LOGIN PASSWORD :'media_password';
GRANT CONNECT ON DATABASE frontrow TO media;
CREATE SCHEMA media AUTHORIZATION media;
ALTER ROLE media SET search_path = media;
GRANT CREATE ON DATABASE frontrow TO media;
\unset media_password

-- ---------------------------------------------------------------------------------
-- commerce
-- ---------------------------------------------------------------------------------
\getenv commerce_password COMMERCE_DB_PASSWORD
\if :{?commerce_password}
\else
  DO $$ BEGIN RAISE EXCEPTION 'COMMERCE_DB_PASSWORD is not set in the postgres container'; END $$;
\endif

CREATE ROLE commerce LOGIN PASSWORD :'commerce_password';
GRANT CONNECT ON DATABASE frontrow TO commerce;
CREATE SCHEMA commerce AUTHORIZATION commerce;
ALTER ROLE commerce SET search_path = commerce;
GRANT CREATE ON DATABASE frontrow TO commerce;
\unset commerce_password

-- ---------------------------------------------------------------------------------
-- creative
-- ---------------------------------------------------------------------------------
\getenv creative_password CREATIVE_DB_PASSWORD
\if :{?creative_password}
\else
  DO $$ BEGIN RAISE EXCEPTION 'CREATIVE_DB_PASSWORD is not set in the postgres container'; END $$;
\endif

CREATE ROLE creative LOGIN PASSWORD :'creative_password';
GRANT CONNECT ON DATABASE frontrow TO creative;
CREATE SCHEMA creative AUTHORIZATION creative;
ALTER ROLE creative SET search_path = creative;
GRANT CREATE ON DATABASE frontrow TO creative;
\unset creative_password

-- ---------------------------------------------------------------------------------
-- presence
-- ---------------------------------------------------------------------------------
\getenv presence_password PRESENCE_DB_PASSWORD
\if :{?presence_password}
\else
  DO $$ BEGIN RAISE EXCEPTION 'PRESENCE_DB_PASSWORD is not set in the postgres container'; END $$;
\endif

CREATE ROLE presence LOGIN PASSWORD :'presence_password';
GRANT CONNECT ON DATABASE frontrow TO presence;
CREATE SCHEMA presence AUTHORIZATION presence;
ALTER ROLE presence SET search_path = presence;
GRANT CREATE ON DATABASE frontrow TO presence;
\unset presence_password

-- ---------------------------------------------------------------------------------
-- telemetry
-- ---------------------------------------------------------------------------------
\getenv telemetry_password TELEMETRY_DB_PASSWORD
\if :{?telemetry_password}
\else
  DO $$ BEGIN RAISE EXCEPTION 'TELEMETRY_DB_PASSWORD is not set in the postgres container'; END $$;
\endif

CREATE ROLE telemetry LOGIN PASSWORD :'telemetry_password';
GRANT CONNECT ON DATABASE frontrow TO telemetry;
CREATE SCHEMA telemetry AUTHORIZATION telemetry;
ALTER ROLE telemetry SET search_path = telemetry;
GRANT CREATE ON DATABASE frontrow TO telemetry;
\unset telemetry_password

-- A new subgraph repeats one of the blocks above with its own name and
-- <NAME>_DB_PASSWORD (passed to the postgres service in compose.yaml).
