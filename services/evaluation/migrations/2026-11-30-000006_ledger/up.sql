-- The obligation ledger's facts (issue 6), projected from every service's events by the
-- consumer `evaluation-ledger`, idempotent by event id (inbox). Runs with search_path =
-- evaluation. Nothing here is read from another service's tables.

-- membership: groups and the time each school spent in them.
CREATE TABLE groups_seen (
    group_id       uuid PRIMARY KEY,
    region         text NOT NULL,
    lead_school_id uuid NOT NULL,
    plaque_date    date NOT NULL,
    dissolved_on   date
);
CREATE TABLE group_schools (
    group_id  uuid NOT NULL REFERENCES groups_seen (group_id),
    school_id uuid NOT NULL,
    role      text NOT NULL,
    joined_on date NOT NULL,
    left_on   date,
    PRIMARY KEY (group_id, school_id)
);
CREATE INDEX group_schools_school ON group_schools (school_id) WHERE left_on IS NULL;

-- council: meetings held (G-06, G-15, V-06) with the schools present (M2); reports (G-08).
CREATE TABLE meetings (
    meeting_id      uuid PRIMARY KEY,
    group_id        uuid   NOT NULL,
    kind            text   NOT NULL,
    held_on         date   NOT NULL,
    schools_present uuid[] NOT NULL
);
CREATE INDEX meetings_group_day ON meetings (group_id, held_on);
CREATE TABLE reports (
    group_id     uuid    NOT NULL,
    year         integer NOT NULL,
    quarter      integer NOT NULL,
    report_id    uuid    NOT NULL,
    submitted_on date    NOT NULL,
    due_on       date    NOT NULL,
    late         boolean NOT NULL,
    PRIMARY KEY (group_id, year, quarter)
);

-- rotation: trainings and showcases (E-05, E-06); confirmed postings (E-09).
CREATE TABLE trainings (
    training_id uuid PRIMARY KEY,
    group_id    uuid NOT NULL,
    kind        text NOT NULL,
    held_on     date NOT NULL
);
CREATE INDEX trainings_group_day ON trainings (group_id, held_on);
CREATE TABLE postings (
    posting_id     uuid PRIMARY KEY,
    group_id       uuid    NOT NULL,
    from_school_id uuid    NOT NULL,
    to_school_id   uuid    NOT NULL,
    kind           text    NOT NULL,
    start_date     date    NOT NULL,
    end_date       date    NOT NULL,
    cancelled      boolean NOT NULL DEFAULT false
);
CREATE INDEX postings_group ON postings (group_id, start_date);

-- catalogue: resources published into the group's library, by owner school (M5).
CREATE TABLE resources (
    resource_id     uuid PRIMARY KEY,
    group_id        uuid NOT NULL,
    owner_school_id uuid NOT NULL,
    published_on    date NOT NULL
);
CREATE INDEX resources_group_day ON resources (group_id, published_on);

-- The "changed" part of the notification feed: one row per event that concerns a school,
-- a whole group (school_id null) or a whole region (group_id null).
CREATE TABLE notifications (
    event_id  uuid PRIMARY KEY,
    region    text,
    group_id  uuid,
    school_id uuid,
    rule      text,
    title     text        NOT NULL,
    title_zh  text        NOT NULL,
    at        timestamptz NOT NULL
);
CREATE INDEX notifications_school ON notifications (school_id, at);
CREATE INDEX notifications_group ON notifications (group_id, at);
