-- R-10/M6: sharing agreements between schools of a group: parties, scopes and term.
CREATE TABLE sharing_agreements (
    id uuid PRIMARY KEY,
    group_id uuid NOT NULL REFERENCES groups (id),
    title text NOT NULL,
    school_ids uuid[] NOT NULL CHECK (cardinality(school_ids) >= 2),
    scopes text[] NOT NULL CHECK (cardinality(scopes) >= 1),
    starts_on date NOT NULL,
    ends_on date NOT NULL,
    ended_on date,
    end_reason text,
    document_ref text,
    recorded_by text NOT NULL,
    recorded_at timestamptz NOT NULL,
    CHECK (ends_on >= starts_on),
    CHECK ((ended_on IS NULL) = (end_reason IS NULL))
);
CREATE INDEX sharing_agreements_group ON sharing_agreements (group_id, starts_on);
