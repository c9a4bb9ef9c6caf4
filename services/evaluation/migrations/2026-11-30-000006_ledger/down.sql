DROP TABLE notifications;
DROP TABLE resources;
DROP TABLE postings;
DROP TABLE trainings;
DROP TABLE reports;
DROP TABLE meetings;
DROP TABLE group_schools;
DROP TABLE groups_seen;
