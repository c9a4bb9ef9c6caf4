-- Policy versions record who published them and why (DESIGN.md "Policy as data").
ALTER TABLE region_policies ADD COLUMN changed_by text, ADD COLUMN reason text;

-- Warnings (警告, X-01, L8): issued by the lead office to a member, during one membership.
CREATE TABLE warnings (
    id            uuid PRIMARY KEY,
    group_id      uuid        NOT NULL REFERENCES groups (id),
    school_id     uuid        NOT NULL REFERENCES schools (id),
    membership_id uuid        NOT NULL REFERENCES memberships (id),
    reason        text        NOT NULL,
    evidence      jsonb       NOT NULL DEFAULT '[]',
    issued_by     text        NOT NULL,
    issued_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX warnings_group_school ON warnings (group_id, school_id, issued_at);

-- Persuade-outs (劝退, X-01, §8.7, G-09): proposed by the lead office, decided by the bureau.
CREATE TABLE persuade_outs (
    id                    uuid PRIMARY KEY,
    group_id              uuid        NOT NULL REFERENCES groups (id),
    school_id             uuid        NOT NULL REFERENCES schools (id),
    membership_id         uuid        NOT NULL REFERENCES memberships (id),
    reason                text        NOT NULL,
    status                text        NOT NULL,
    warning_ids           uuid[]      NOT NULL,
    failing_evaluation_id uuid,
    decision_id           uuid        NOT NULL,
    proposed_by           text        NOT NULL,
    proposed_at           timestamptz NOT NULL DEFAULT now(),
    decided_by            text,
    decided_at            timestamptz,
    decision_note         text,
    policy_version        integer     NOT NULL,
    CHECK (cardinality(warning_ids) > 0 OR failing_evaluation_id IS NOT NULL)
);
-- One open persuade-out per school at a time.
CREATE UNIQUE INDEX persuade_outs_one_open ON persuade_outs (school_id) WHERE status = 'proposed';
CREATE INDEX persuade_outs_group ON persuade_outs (group_id, proposed_at);

-- X-02: a dissolution without a failing evaluation records why.
ALTER TABLE groups ADD COLUMN dissolution_override_reason text;
