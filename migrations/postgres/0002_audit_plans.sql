-- Audit trail and plan versions (issue 14).
--
-- `audit` is append-only: a trigger refuses UPDATE, DELETE and TRUNCATE for every role
-- (the service's own included), so a row once written stays.
CREATE TABLE audit (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at TIMESTAMP NOT NULL,
    who TEXT NOT NULL,
    role TEXT NOT NULL,
    action TEXT NOT NULL,
    route TEXT NOT NULL,
    params TEXT NOT NULL,
    rows BIGINT NOT NULL
);
CREATE INDEX audit_at ON audit (at);
CREATE INDEX audit_who ON audit (who);

CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit is append-only';
END;
$$;
CREATE TRIGGER audit_no_update_delete BEFORE UPDATE OR DELETE ON audit
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit
    FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();

-- Optimistic concurrency: every write of a plan increments `version` (the ETag).
ALTER TABLE plans ADD COLUMN version BIGINT NOT NULL DEFAULT 1;

-- Every version of every plan, including the deletion (op = 'delete', the last fields).
CREATE TABLE plan_history (
    id BIGINT NOT NULL,
    version BIGINT NOT NULL,
    op TEXT NOT NULL CHECK (op IN ('create', 'update', 'delete')),
    subject_type TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    responsible_person TEXT NOT NULL,
    task TEXT NOT NULL,
    responsible_unit TEXT NOT NULL,
    deadline DATE NOT NULL,
    expected_result TEXT NOT NULL,
    approving_authority TEXT NOT NULL,
    state TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (id, version)
);
INSERT INTO plan_history
SELECT id, version, 'create', subject_type, subject_id, responsible_person, task,
       responsible_unit, deadline, expected_result, approving_authority, state, created_by,
       created_at, updated_by, updated_at
FROM plans;
