DROP INDEX postings_consent_pending;
ALTER TABLE postings
    DROP CONSTRAINT postings_consent_whole,
    DROP COLUMN consent_region,
    DROP COLUMN consent_to_region,
    DROP COLUMN consent_status,
    DROP COLUMN consent_decided_by,
    DROP COLUMN consent_decided_at,
    DROP COLUMN consent_note;
ALTER TABLE group_schools DROP COLUMN region;
