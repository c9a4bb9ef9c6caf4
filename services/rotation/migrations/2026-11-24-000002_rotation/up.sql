-- Teacher rotation (DOMAIN.md §4). Runs with search_path = rotation.

-- The home school is the personnel and payroll unit; a posting never changes it (E-04).
CREATE TABLE teachers (
    id             uuid PRIMARY KEY,
    home_school_id uuid        NOT NULL,
    home_region    text        NOT NULL,
    staff_no       text        NOT NULL,
    name           text        NOT NULL,
    post           text        NOT NULL,
    subject        text        NOT NULL,
    backbone       text        NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT teachers_school_staff_no_key UNIQUE (home_school_id, staff_no)
);
CREATE INDEX teachers_region ON teachers (home_region);

-- Eligibility for exchange (符合交流条件) is a per-teacher, per-school-year flag (§8.9).
CREATE TABLE teacher_eligibility (
    teacher_id  uuid    NOT NULL REFERENCES teachers (id),
    school_year integer NOT NULL,
    eligible    boolean NOT NULL,
    PRIMARY KEY (teacher_id, school_year)
);

-- Projection of the membership service's events: groups and their schools.
CREATE TABLE groups_seen (
    group_id       uuid PRIMARY KEY,
    region         text    NOT NULL,
    lead_school_id uuid    NOT NULL,
    dissolved      boolean NOT NULL DEFAULT false
);
CREATE TABLE group_schools (
    group_id  uuid    NOT NULL REFERENCES groups_seen (group_id),
    school_id uuid    NOT NULL,
    role      text    NOT NULL,
    active    boolean NOT NULL,
    PRIMARY KEY (group_id, school_id)
);

CREATE TABLE postings (
    id              uuid PRIMARY KEY,
    group_id        uuid        NOT NULL REFERENCES groups_seen (group_id),
    teacher_id      uuid        NOT NULL REFERENCES teachers (id),
    from_school_id  uuid        NOT NULL,
    to_school_id    uuid        NOT NULL,
    kind            text        NOT NULL,
    host_post       text        NOT NULL,
    start_date      date        NOT NULL,
    end_date        date        NOT NULL,
    school_year     integer     NOT NULL,
    status          text        NOT NULL,
    -- E-04: salary stays with the home unit, which is the sending school.
    payroll_unit_id uuid        NOT NULL CHECK (payroll_unit_id = from_school_id),
    confirmed_at    timestamptz,
    ended_on        date,
    closing_reason  text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    CHECK (start_date <= end_date),
    CHECK (from_school_id <> to_school_id)
);
CREATE INDEX postings_teacher ON postings (teacher_id, start_date);
CREATE INDEX postings_group_year ON postings (group_id, school_year);
CREATE INDEX postings_schools ON postings (from_school_id, to_school_id);
