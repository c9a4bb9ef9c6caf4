ALTER TABLE groups DROP COLUMN dissolution_override_reason;
DROP TABLE persuade_outs;
DROP TABLE warnings;
ALTER TABLE region_policies DROP COLUMN changed_by, DROP COLUMN reason;
