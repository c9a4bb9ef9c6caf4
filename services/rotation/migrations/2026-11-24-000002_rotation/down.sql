DROP TABLE postings;
DROP TABLE group_schools;
DROP TABLE groups_seen;
DROP TABLE teacher_eligibility;
DROP TABLE teachers;
