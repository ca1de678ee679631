-- Audit trail and plan versions (issue 14).
--
-- `audit` is append-only: triggers refuse UPDATE and DELETE, so the only way to change it is
-- to rebuild the database file (which a backup/restore of the file would show).
CREATE TABLE audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    who TEXT NOT NULL,
    role TEXT NOT NULL,
    action TEXT NOT NULL,
    route TEXT NOT NULL,
    params TEXT NOT NULL,
    rows INTEGER NOT NULL
);
CREATE INDEX audit_at ON audit (at);
CREATE INDEX audit_who ON audit (who);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;

-- Optimistic concurrency: every write of a plan increments `version` (the ETag).
ALTER TABLE plans ADD COLUMN version INTEGER NOT NULL DEFAULT 1;

-- Every version of every plan, including the deletion (op = 'delete', the last fields).
CREATE TABLE plan_history (
    id INTEGER NOT NULL,
    version INTEGER NOT NULL,
    op TEXT NOT NULL CHECK (op IN ('create', 'update', 'delete')),
    subject_type TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    responsible_person TEXT NOT NULL,
    task TEXT NOT NULL,
    responsible_unit TEXT NOT NULL,
    deadline TEXT NOT NULL,
    expected_result TEXT NOT NULL,
    approving_authority TEXT NOT NULL,
    state TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (id, version)
);
-- Plans made before this migration start their history at version 1.
INSERT INTO plan_history
SELECT id, version, 'create', subject_type, subject_id, responsible_person, task,
       responsible_unit, deadline, expected_result, approving_authority, state, created_by,
       created_at, updated_by, updated_at
FROM plans;
