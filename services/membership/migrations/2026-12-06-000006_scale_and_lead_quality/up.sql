-- F-06/F-07 (invariant 4): a member's leadership body stays independent in alliance and
-- trusteeship groups; a tight group has one team. Until now it always equalled the legal
-- person flag, so existing rows take that value.
ALTER TABLE memberships ADD COLUMN independent_leadership boolean;
UPDATE memberships SET independent_leadership = legal_person_retained;
ALTER TABLE memberships ALTER COLUMN independent_leadership SET NOT NULL;

-- F-08: every decision on a group's scale, at formation and after (history is kept).
CREATE TABLE scale_decisions (
    id                 uuid PRIMARY KEY,
    group_id           uuid        NOT NULL REFERENCES groups (id),
    previous_scale_cap smallint CHECK (previous_scale_cap > 0),
    scale_cap          smallint CHECK (scale_cap > 0),
    cap_exception      boolean     NOT NULL,
    effective_cap      smallint    NOT NULL,
    active_members     smallint    NOT NULL,
    reason             text        NOT NULL,
    decided_by         text        NOT NULL,
    decided_at         timestamptz NOT NULL DEFAULT now(),
    policy_version     integer     NOT NULL
);
CREATE INDEX scale_decisions_group ON scale_decisions (group_id, decided_at);

-- F-08/V-07: the lead school's yearly quality, as the bureau recorded it. A later record of
-- the same school year corrects an earlier one, which stays on record.
CREATE TABLE lead_quality (
    id           uuid PRIMARY KEY,
    school_id    uuid             NOT NULL REFERENCES schools (id),
    school_year  integer          NOT NULL,
    score        double precision NOT NULL CHECK (score >= 0 AND score <= 100),
    improving    boolean          NOT NULL,
    evidence     jsonb            NOT NULL DEFAULT '[]',
    note         text,
    recorded_by  text             NOT NULL,
    recorded_at  timestamptz      NOT NULL DEFAULT now()
);
CREATE INDEX lead_quality_school ON lead_quality (school_id, school_year DESC, recorded_at DESC);
