-- Member schools' major matters (成员学校重大事项, RULES.md G-09, invariant 10): each on record
-- with the council decision (category member_major_matter, about that school) that decided it.
CREATE TABLE major_matters (
    id           uuid PRIMARY KEY,
    group_id     uuid        NOT NULL REFERENCES councils (group_id),
    school_id    uuid        NOT NULL,
    kind         text        NOT NULL,
    title        text        NOT NULL,
    description  text,
    effective_on date        NOT NULL,
    decision_id  uuid        NOT NULL REFERENCES decisions (id),
    recorded_by  text        NOT NULL,
    recorded_at  timestamptz NOT NULL DEFAULT now(),
    -- a school the council knows as one of the group's
    FOREIGN KEY (group_id, school_id) REFERENCES council_schools (group_id, school_id),
    -- "other" says what the matter is
    CHECK (kind <> 'other' OR description IS NOT NULL)
);
-- The lists: a group's or a school's, newest first.
CREATE INDEX major_matters_group ON major_matters (group_id, effective_on DESC, recorded_at DESC);
CREATE INDEX major_matters_school ON major_matters (school_id, effective_on DESC, recorded_at DESC);
-- G-08: the ones recorded in a quarter.
CREATE INDEX major_matters_recorded ON major_matters (group_id, recorded_at);
