-- Council meetings (理事会, DOMAIN.md §3, RULES.md G-01..G-19). Runs with search_path = council.

-- One council per group, seeded from the membership service's `group.established` event;
-- frozen (no changes, records kept) when the group is dissolved.
CREATE TABLE councils (
    group_id       uuid PRIMARY KEY,
    name           text        NOT NULL,
    region         text        NOT NULL,
    lead_school_id uuid        NOT NULL,
    plaque_date    date        NOT NULL,
    frozen_on      date,
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX councils_region ON councils (region);

-- The group's schools as membership events describe them, with their principal (G-03, G-04).
CREATE TABLE council_schools (
    group_id       uuid    NOT NULL REFERENCES councils (group_id),
    school_id      uuid    NOT NULL,
    role           text    NOT NULL,
    name           text    NOT NULL,
    principal_name text    NOT NULL,
    active         boolean NOT NULL,
    PRIMARY KEY (group_id, school_id)
);

-- Seats: active ones form the council now; vacated ones stay for the record (attendance
-- and votes of past meetings point at them).
CREATE TABLE seats (
    id             uuid PRIMARY KEY,
    group_id       uuid        NOT NULL REFERENCES councils (group_id),
    school_id      uuid        NOT NULL,
    role           text        NOT NULL,
    holder_name    text        NOT NULL,
    post           text        NOT NULL,
    active         boolean     NOT NULL DEFAULT true,
    since          timestamptz NOT NULL DEFAULT now(),
    vacated_at     timestamptz,
    vacated_reason text
);
CREATE INDEX seats_group ON seats (group_id) WHERE active;
-- G-03: one chair; G-04: one vice-chair per member school; G-05: one secretary-general.
CREATE UNIQUE INDEX seats_one_chair ON seats (group_id) WHERE active AND role = 'chair';
CREATE UNIQUE INDEX seats_one_vice_chair_per_school ON seats (group_id, school_id)
    WHERE active AND role = 'vice_chair';
CREATE UNIQUE INDEX seats_one_secretary_general ON seats (group_id)
    WHERE active AND role = 'secretary_general';

CREATE TABLE meetings (
    id               uuid PRIMARY KEY,
    group_id         uuid        NOT NULL REFERENCES councils (group_id),
    kind             text        NOT NULL,
    title            text        NOT NULL,
    held_on          date        NOT NULL,
    start_time       time,
    duration_minutes integer CHECK (duration_minutes BETWEEN 15 AND 720),
    place            text,
    online_link      text,
    held_at          timestamptz,
    policy_version   integer     NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    CHECK (place IS NOT NULL OR online_link IS NOT NULL)
);
CREATE INDEX meetings_group_day ON meetings (group_id, held_on);

CREATE TABLE agenda_items (
    meeting_id uuid    NOT NULL REFERENCES meetings (id),
    position   integer NOT NULL,
    title      text    NOT NULL,
    owner      text    NOT NULL,
    documents  jsonb   NOT NULL DEFAULT '[]',
    PRIMARY KEY (meeting_id, position)
);

-- The council's seats when attendance was recorded, and who of them was present.
CREATE TABLE meeting_seats (
    meeting_id  uuid    NOT NULL REFERENCES meetings (id),
    seat_id     uuid    NOT NULL REFERENCES seats (id),
    school_id   uuid    NOT NULL,
    role        text    NOT NULL,
    holder_name text    NOT NULL,
    present     boolean NOT NULL,
    PRIMARY KEY (meeting_id, seat_id)
);

CREATE TABLE motions (
    id                uuid PRIMARY KEY,
    meeting_id        uuid        NOT NULL REFERENCES meetings (id),
    group_id          uuid        NOT NULL REFERENCES councils (group_id),
    title             text        NOT NULL,
    category          text        NOT NULL,
    major             boolean     NOT NULL,
    subject_school_id uuid,
    status            text        NOT NULL,
    created_at        timestamptz NOT NULL DEFAULT now(),
    closed_at         timestamptz,
    -- G-09: a member school's major matter names the school and is a major decision.
    CHECK (category <> 'member_major_matter' OR (subject_school_id IS NOT NULL AND major))
);
CREATE INDEX motions_meeting ON motions (meeting_id);

-- One vote per seat and motion.
CREATE TABLE votes (
    motion_id uuid        NOT NULL REFERENCES motions (id),
    seat_id   uuid        NOT NULL REFERENCES seats (id),
    choice    text        NOT NULL,
    reason    text,
    cast_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (motion_id, seat_id),
    CHECK (choice <> 'recused' OR reason IS NOT NULL)
);

CREATE TABLE decisions (
    id                uuid PRIMARY KEY,
    group_id          uuid        NOT NULL REFERENCES councils (group_id),
    meeting_id        uuid        NOT NULL REFERENCES meetings (id),
    motion_id         uuid        NOT NULL UNIQUE REFERENCES motions (id),
    title             text        NOT NULL,
    category          text        NOT NULL,
    major             boolean     NOT NULL,
    subject_school_id uuid,
    decided_on        date        NOT NULL,
    yes               integer     NOT NULL,
    no                integer     NOT NULL,
    abstain           integer     NOT NULL,
    recused           integer     NOT NULL,
    policy_version    integer     NOT NULL,
    created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX decisions_group_day ON decisions (group_id, decided_on);
CREATE INDEX decisions_subject ON decisions (subject_school_id, category);

-- Minutes: draft → circulated → published; published minutes never change.
CREATE TABLE minutes (
    meeting_id    uuid PRIMARY KEY REFERENCES meetings (id),
    status        text        NOT NULL,
    text          text        NOT NULL,
    revision      integer     NOT NULL,
    circulated_at timestamptz,
    published_at  timestamptz
);
CREATE TABLE minutes_revisions (
    meeting_id uuid        NOT NULL REFERENCES minutes (meeting_id),
    revision   integer     NOT NULL,
    text       text        NOT NULL,
    by_sub     text        NOT NULL,
    seat_id    uuid REFERENCES seats (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (meeting_id, revision)
);
-- Corrections of published minutes: new records linked to them.
CREATE TABLE minutes_corrections (
    id         uuid PRIMARY KEY,
    meeting_id uuid        NOT NULL REFERENCES minutes (meeting_id),
    text       text        NOT NULL,
    reason     text        NOT NULL,
    by_sub     text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- G-08: one written report per group and quarter.
CREATE TABLE reports (
    id             uuid PRIMARY KEY,
    group_id       uuid        NOT NULL REFERENCES councils (group_id),
    year           integer     NOT NULL,
    quarter        smallint    NOT NULL CHECK (quarter BETWEEN 1 AND 4),
    summary        text        NOT NULL,
    due_on         date        NOT NULL,
    late           boolean     NOT NULL,
    policy_version integer     NOT NULL,
    submitted_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT reports_one_per_quarter UNIQUE (group_id, year, quarter)
);
CREATE TABLE report_decisions (
    report_id   uuid NOT NULL REFERENCES reports (id),
    decision_id uuid NOT NULL REFERENCES decisions (id),
    PRIMARY KEY (report_id, decision_id)
);
-- A `report.overdue` event was raised for this quarter (once per group and quarter).
CREATE TABLE overdue_reports (
    group_id    uuid        NOT NULL REFERENCES councils (group_id),
    year        integer     NOT NULL,
    quarter     smallint    NOT NULL,
    due_on      date        NOT NULL,
    detected_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (group_id, year, quarter)
);
