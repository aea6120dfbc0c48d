-- A PostgreSQL role per service, as production has (the Helm chart's CloudNativePG
-- managed.roles, deploy/k8s/helm/pushnode/templates/cloudnative-pg.yaml): each service logs
-- in as its own role, creates its tables in public and owns only those, so no service can
-- read another's (the gateway's credentials never read the dispatcher's device tokens).
-- Run in each database the services use, as a role that may create roles (idempotent).
-- The password is the role's name: the dev stack trusts loopback connections anyway.
DO $roles$
DECLARE
  service text;
  tbl text;
BEGIN
  FOREACH service IN ARRAY ARRAY['listener', 'validator', 'storage', 'dispatcher', 'gateway'] LOOP
    BEGIN
      IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = service) THEN
        EXECUTE format('CREATE ROLE %I LOGIN PASSWORD %L', service, service);
      END IF;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN
      NULL;  -- another node of `make up NODES=n` created it at the same moment
    END;
    -- PostgreSQL 15 and newer let only the database owner create in public.
    EXECUTE format('GRANT USAGE, CREATE ON SCHEMA public TO %I', service);
    -- A database the services used as one role before: hand each service its own tables.
    FOR tbl IN
      SELECT tablename FROM pg_tables
      WHERE schemaname = 'public' AND tableowner <> service
        AND (tablename LIKE service || '\_%' OR tablename = 'alembic_version_' || service)
    LOOP
      EXECUTE format('ALTER TABLE public.%I OWNER TO %I', tbl, service);
    END LOOP;
  END LOOP;
END
$roles$;
