DROP TABLE memberships;
DROP TABLE groups;
DROP TABLE region_policies;
DROP TABLE schools;
