-- The council keeps the shared membership view (`edu_bus::membership_view`) instead of its
-- own copy of the membership events: the groups come from the councils (a frozen council's
-- group was dissolved that day), the schools with their principals and the stays move there,
-- and the major matters point at the view's schools. The councils stay: they are the
-- council's own.
INSERT INTO membership_groups (group_id, name, region, lead_school_id, plaque_date, dissolved_on)
SELECT group_id, name, region, lead_school_id, plaque_date, frozen_on FROM councils;
INSERT INTO membership_schools (group_id, school_id, role, name, principal_name, active)
SELECT s.group_id, s.school_id, s.role, s.name, s.principal_name,
       s.active AND c.frozen_on IS NULL
  FROM council_schools s JOIN councils c USING (group_id);
INSERT INTO membership_stays (group_id, school_id, role, joined_on, left_on)
SELECT t.group_id, t.school_id, s.role, t.joined_on, t.left_on
  FROM school_stays t JOIN council_schools s USING (group_id, school_id)
 ORDER BY t.joined_on;

ALTER TABLE major_matters DROP CONSTRAINT major_matters_group_id_school_id_fkey;
ALTER TABLE major_matters ADD CONSTRAINT major_matters_group_id_school_id_fkey
    FOREIGN KEY (group_id, school_id) REFERENCES membership_schools (group_id, school_id);
DROP TABLE school_stays;
DROP TABLE council_schools;
