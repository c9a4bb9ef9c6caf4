CREATE TABLE council_schools (
    group_id       uuid    NOT NULL REFERENCES councils (group_id),
    school_id      uuid    NOT NULL,
    role           text    NOT NULL,
    name           text    NOT NULL,
    principal_name text    NOT NULL,
    active         boolean NOT NULL,
    PRIMARY KEY (group_id, school_id)
);
CREATE TABLE school_stays (
    group_id  uuid NOT NULL REFERENCES councils (group_id),
    school_id uuid NOT NULL,
    joined_on date NOT NULL,
    left_on   date,
    PRIMARY KEY (group_id, school_id, joined_on),
    CHECK (left_on IS NULL OR left_on >= joined_on)
);
CREATE UNIQUE INDEX school_stays_one_open ON school_stays (group_id, school_id)
    WHERE left_on IS NULL;
INSERT INTO council_schools
SELECT s.group_id, s.school_id, s.role, COALESCE(s.name, ''), COALESCE(s.principal_name, ''),
       s.active
  FROM membership_schools s JOIN councils c USING (group_id);
INSERT INTO school_stays
SELECT t.group_id, t.school_id, t.joined_on, t.left_on
  FROM membership_stays t JOIN councils c USING (group_id);
ALTER TABLE major_matters DROP CONSTRAINT major_matters_group_id_school_id_fkey;
ALTER TABLE major_matters ADD CONSTRAINT major_matters_group_id_school_id_fkey
    FOREIGN KEY (group_id, school_id) REFERENCES council_schools (group_id, school_id);
