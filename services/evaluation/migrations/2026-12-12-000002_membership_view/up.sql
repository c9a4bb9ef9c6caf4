-- The ledger reads the shared membership view (`edu_bus::membership_view`) instead of its own
-- copy of the membership events. Its copy kept one span a school (a return replaced the
-- earlier stay), which moves there as that school's one stay; a school whose span had not
-- ended is in its group now, unless the group was dissolved.
INSERT INTO membership_groups (group_id, region, lead_school_id, plaque_date, dissolved_on)
SELECT group_id, region, lead_school_id, plaque_date, dissolved_on FROM groups_seen;
INSERT INTO membership_schools (group_id, school_id, role, active)
SELECT s.group_id, s.school_id, s.role, s.left_on IS NULL AND g.dissolved_on IS NULL
  FROM group_schools s JOIN groups_seen g USING (group_id);
INSERT INTO membership_stays (group_id, school_id, role, joined_on, left_on)
SELECT group_id, school_id, role, joined_on, GREATEST(joined_on, left_on) FROM group_schools;

DROP TABLE group_schools;
DROP TABLE groups_seen;
