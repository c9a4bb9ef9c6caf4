DROP TABLE membership_stays;
DROP TABLE membership_schools;
DROP TABLE membership_groups;
