-- Every bump of meta.dataset_version (imports, undo, plan changes, from any server or CLI)
-- sends NOTIFY hotspot_dataset_version 'SCHEMA:VERSION'. PostgreSQL delivers it when the
-- bumping transaction commits and never for a rolled-back one, so the layer caches of all
-- `hotspot serve` instances over this database drop stale layers without polling. The schema
-- is in the payload because one database may hold several hotspot schemas (the tests do).

CREATE FUNCTION notify_dataset_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('hotspot_dataset_version', TG_TABLE_SCHEMA || ':' || NEW.dataset_version);
    RETURN NULL;
END
$$;

CREATE TRIGGER meta_dataset_version_notify
    AFTER UPDATE OF dataset_version ON meta
    FOR EACH ROW EXECUTE FUNCTION notify_dataset_version();
