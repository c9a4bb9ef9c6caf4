-- F-17: rounds of weak-school designation, three school years each, one round at a time
-- in a county; each designated school with its own plan (一校一案), lifted when it leaves.
CREATE TABLE weak_rounds (
    id uuid PRIMARY KEY,
    region text NOT NULL,
    first_school_year integer NOT NULL,
    last_school_year integer NOT NULL,
    basis text NOT NULL,
    opened_by text NOT NULL,
    opened_at timestamptz NOT NULL,
    CHECK (last_school_year >= first_school_year)
);
CREATE INDEX weak_rounds_region ON weak_rounds (region, first_school_year);

CREATE TABLE weak_designations (
    id uuid PRIMARY KEY,
    round_id uuid NOT NULL REFERENCES weak_rounds (id),
    school_id uuid NOT NULL REFERENCES schools (id),
    assessment text NOT NULL,
    plan text NOT NULL,
    designated_by text NOT NULL,
    designated_at timestamptz NOT NULL,
    lifted_on date,
    lift_reason text,
    CHECK ((lifted_on IS NULL) = (lift_reason IS NULL)),
    UNIQUE (round_id, school_id)
);
