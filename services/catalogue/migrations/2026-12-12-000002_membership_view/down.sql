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
CREATE INDEX group_schools_school ON group_schools (school_id);
INSERT INTO groups_seen (group_id, region, lead_school_id, dissolved)
SELECT group_id, region, lead_school_id, dissolved_on IS NOT NULL FROM membership_groups;
INSERT INTO group_schools (group_id, school_id, role, active)
SELECT group_id, school_id, role, active FROM membership_schools;
ALTER TABLE uploads DROP CONSTRAINT uploads_group_id_fkey;
ALTER TABLE uploads ADD CONSTRAINT uploads_group_id_fkey
    FOREIGN KEY (group_id) REFERENCES groups_seen (group_id);
ALTER TABLE resources DROP CONSTRAINT resources_group_id_fkey;
ALTER TABLE resources ADD CONSTRAINT resources_group_id_fkey
    FOREIGN KEY (group_id) REFERENCES groups_seen (group_id);
ALTER TABLE facilities DROP CONSTRAINT facilities_group_id_fkey;
ALTER TABLE facilities ADD CONSTRAINT facilities_group_id_fkey
    FOREIGN KEY (group_id) REFERENCES groups_seen (group_id);
ALTER TABLE export_refusals DROP CONSTRAINT export_refusals_group_id_fkey;
ALTER TABLE export_refusals ADD CONSTRAINT export_refusals_group_id_fkey
    FOREIGN KEY (group_id) REFERENCES groups_seen (group_id);
