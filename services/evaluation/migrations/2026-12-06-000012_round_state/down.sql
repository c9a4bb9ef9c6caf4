DROP INDEX rounds_region_opened;
ALTER TABLE rounds DROP COLUMN completed_by, DROP COLUMN completed_at, DROP COLUMN state;
