-- The catalogue keeps the shared membership view (`edu_bus::membership_view`) instead of its
-- own copy of the membership events: what it knew moves there, and the resources, uploads,
-- facilities and brand refusals point at the view's groups. Its copy kept no dates, so a
-- school already in a group is vouched for from today, the earliest day it can tell.
INSERT INTO membership_groups (group_id, region, lead_school_id, dissolved_on)
SELECT group_id, region, lead_school_id, CASE WHEN dissolved THEN current_date END
  FROM groups_seen;
INSERT INTO membership_schools (group_id, school_id, role, active)
SELECT group_id, school_id, role, active FROM group_schools;
INSERT INTO membership_stays (group_id, school_id, role, joined_on)
SELECT group_id, school_id, role, current_date FROM group_schools WHERE active;

DROP TABLE group_schools;
DROP TABLE groups_seen CASCADE;
ALTER TABLE uploads ADD CONSTRAINT uploads_group_id_fkey
    FOREIGN KEY (group_id) REFERENCES membership_groups (group_id);
ALTER TABLE resources ADD CONSTRAINT resources_group_id_fkey
    FOREIGN KEY (group_id) REFERENCES membership_groups (group_id);
ALTER TABLE facilities ADD CONSTRAINT facilities_group_id_fkey
    FOREIGN KEY (group_id) REFERENCES membership_groups (group_id);
ALTER TABLE export_refusals ADD CONSTRAINT export_refusals_group_id_fkey
    FOREIGN KEY (group_id) REFERENCES membership_groups (group_id);
