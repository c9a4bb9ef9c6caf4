-- G-10/G-11 (invariant 11): the group's management office at the lead school, one director
-- and at most two deputies in post at a time; every appointment is kept.
CREATE TABLE office_appointments (
    id uuid PRIMARY KEY,
    group_id uuid NOT NULL REFERENCES groups (id),
    school_id uuid NOT NULL REFERENCES schools (id),
    post text NOT NULL CHECK (post IN ('director', 'deputy_director')),
    person_name text NOT NULL,
    staff_no text,
    appointed_on date NOT NULL,
    ended_on date,
    end_reason text,
    appointed_by text NOT NULL,
    recorded_at timestamptz NOT NULL,
    CHECK (ended_on IS NULL OR ended_on >= appointed_on)
);
CREATE UNIQUE INDEX office_appointments_one_director ON office_appointments (group_id)
    WHERE post = 'director' AND ended_on IS NULL;
CREATE INDEX office_appointments_group ON office_appointments (group_id, appointed_on);

-- G-12: the lead school recommends; the bureau decides.
CREATE TABLE leader_recommendations (
    id uuid PRIMARY KEY,
    group_id uuid NOT NULL REFERENCES groups (id),
    school_id uuid NOT NULL REFERENCES schools (id),
    action text NOT NULL CHECK (action IN ('appoint', 'remove')),
    post text NOT NULL,
    person_name text NOT NULL,
    reason text NOT NULL,
    status text NOT NULL CHECK (status IN ('proposed', 'accepted', 'rejected')),
    recommended_by text NOT NULL,
    recommended_at timestamptz NOT NULL,
    decided_by text,
    decided_at timestamptz,
    decision_note text,
    CHECK ((status = 'proposed') = (decided_at IS NULL))
);
CREATE INDEX leader_recommendations_group ON leader_recommendations (group_id, recommended_at);

-- G-13: a member principal appointed vice-principal of the lead school, outside its quota.
CREATE TABLE cross_appointments (
    id uuid PRIMARY KEY,
    group_id uuid NOT NULL REFERENCES groups (id),
    school_id uuid NOT NULL REFERENCES schools (id),
    person_name text NOT NULL,
    appointed_on date NOT NULL,
    ended_on date,
    end_reason text,
    recorded_by text NOT NULL,
    recorded_at timestamptz NOT NULL,
    CHECK (ended_on IS NULL OR ended_on >= appointed_on)
);
CREATE UNIQUE INDEX cross_appointments_one_open ON cross_appointments (group_id, school_id)
    WHERE ended_on IS NULL;
