-- The rotation service keeps the shared membership view (`edu_bus::membership_view`) instead
-- of its own copy of the membership events: what it knew moves there (the schools' counties,
-- open persuade-outs and stays included), and the postings and trainings point at the view's
-- groups. Its copy kept no dissolution day: a dissolved group's is the day its stays ended.
INSERT INTO membership_groups (group_id, region, lead_school_id, dissolved_on)
SELECT g.group_id, g.region, g.lead_school_id,
       CASE WHEN g.dissolved THEN
           COALESCE((SELECT max(s.left_on) FROM school_stays s WHERE s.group_id = g.group_id),
                    current_date)
       END
  FROM groups_seen g;
INSERT INTO membership_schools (group_id, school_id, role, region, active, under_persuade_out)
SELECT group_id, school_id, role, region, active, under_persuade_out FROM group_schools;
INSERT INTO membership_stays (group_id, school_id, role, joined_on, left_on)
SELECT group_id, school_id, role, joined_on, left_on FROM school_stays ORDER BY id;

DROP TABLE school_stays;
DROP TABLE group_schools;
DROP TABLE groups_seen CASCADE;
ALTER TABLE postings ADD CONSTRAINT postings_group_id_fkey
    FOREIGN KEY (group_id) REFERENCES membership_groups (group_id);
ALTER TABLE trainings ADD CONSTRAINT trainings_group_id_fkey
    FOREIGN KEY (group_id) REFERENCES membership_groups (group_id);
