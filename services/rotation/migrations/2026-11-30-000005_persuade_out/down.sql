ALTER TABLE group_schools DROP COLUMN under_persuade_out;
