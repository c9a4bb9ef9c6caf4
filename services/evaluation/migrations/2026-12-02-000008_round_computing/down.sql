ALTER TABLE postings DROP COLUMN backbone;
DROP TABLE round_groups;
DROP INDEX rounds_computing;
ALTER TABLE rounds DROP COLUMN actor, DROP COLUMN computed_at, DROP COLUMN failure,
    DROP COLUMN status;
