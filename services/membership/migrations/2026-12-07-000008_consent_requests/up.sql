-- F-04: a school of another county joins a group only with its own county bureau's consent.
CREATE TABLE consent_requests (
    id uuid PRIMARY KEY,
    group_id uuid NOT NULL REFERENCES groups (id),
    school_id uuid NOT NULL REFERENCES schools (id),
    group_region text NOT NULL,
    school_region text NOT NULL,
    requested_by text NOT NULL,
    requested_at timestamptz NOT NULL,
    status text NOT NULL CHECK (status IN ('pending', 'approved', 'declined')),
    decided_by text,
    decided_at timestamptz,
    reason text,
    membership_id uuid REFERENCES memberships (id),
    CHECK ((status = 'pending') = (decided_at IS NULL)),
    CHECK (status <> 'declined' OR reason IS NOT NULL),
    CHECK (status <> 'approved' OR membership_id IS NOT NULL)
);
-- one open request per school and group
CREATE UNIQUE INDEX consent_requests_one_pending ON consent_requests (group_id, school_id)
    WHERE status = 'pending';
CREATE INDEX consent_requests_school_region ON consent_requests (school_region, requested_at);
CREATE INDEX consent_requests_group_region ON consent_requests (group_region, requested_at);
