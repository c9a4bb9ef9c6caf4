CREATE TABLE groups_seen (
    group_id       uuid PRIMARY KEY,
    region         text    NOT NULL,
    lead_school_id uuid    NOT NULL,
    dissolved      boolean NOT NULL DEFAULT false
);
CREATE TABLE group_schools (
    group_id           uuid    NOT NULL REFERENCES groups_seen (group_id),
    school_id          uuid    NOT NULL,
    role               text    NOT NULL,
    active             boolean NOT NULL,
    under_persuade_out boolean NOT NULL DEFAULT false,
    region             text,
    PRIMARY KEY (group_id, school_id)
);
CREATE TABLE school_stays (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    group_id  uuid NOT NULL REFERENCES groups_seen (group_id),
    school_id uuid NOT NULL,
    role      text NOT NULL,
    joined_on date NOT NULL,
    left_on   date,
    CHECK (left_on IS NULL OR left_on >= joined_on)
);
CREATE INDEX school_stays_group_school ON school_stays (group_id, school_id, joined_on);
CREATE UNIQUE INDEX school_stays_open ON school_stays (group_id, school_id) WHERE left_on IS NULL;
INSERT INTO groups_seen SELECT group_id, region, lead_school_id, dissolved_on IS NOT NULL
  FROM membership_groups;
INSERT INTO group_schools SELECT group_id, school_id, role, active, under_persuade_out, region
  FROM membership_schools;
INSERT INTO school_stays (group_id, school_id, role, joined_on, left_on)
SELECT group_id, school_id, role, joined_on, left_on FROM membership_stays ORDER BY id;
ALTER TABLE postings DROP CONSTRAINT postings_group_id_fkey;
ALTER TABLE postings ADD CONSTRAINT postings_group_id_fkey
    FOREIGN KEY (group_id) REFERENCES groups_seen (group_id);
ALTER TABLE trainings DROP CONSTRAINT trainings_group_id_fkey;
ALTER TABLE trainings ADD CONSTRAINT trainings_group_id_fkey
    FOREIGN KEY (group_id) REFERENCES groups_seen (group_id);
