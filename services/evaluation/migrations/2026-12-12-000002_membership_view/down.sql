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
INSERT INTO groups_seen
SELECT group_id, region, lead_school_id, plaque_date, dissolved_on FROM membership_groups;
INSERT INTO group_schools
SELECT DISTINCT ON (group_id, school_id) group_id, school_id, role, joined_on, left_on
  FROM membership_stays ORDER BY group_id, school_id, joined_on DESC;
