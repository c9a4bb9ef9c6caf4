-- F-04: a posting that takes a teacher into another county waits for the consent of the
-- bureau of the teacher's own county. The schools' counties come with the membership events
-- (`member.admitted` carries the school's region); a school seen before that field existed has
-- none here and is taken to be of the group's county, as every member was before
-- cross-county admission needed consent.
ALTER TABLE group_schools ADD COLUMN region text;

ALTER TABLE postings
    ADD COLUMN consent_region     text,
    ADD COLUMN consent_to_region  text,
    ADD COLUMN consent_status     text,
    ADD COLUMN consent_decided_by text,
    ADD COLUMN consent_decided_at timestamptz,
    ADD COLUMN consent_note       text,
    ADD CONSTRAINT postings_consent_whole CHECK (
        (consent_region IS NULL) = (consent_status IS NULL)
        AND (consent_region IS NULL) = (consent_to_region IS NULL)
        AND consent_status IN ('pending', 'approved', 'declined')
        AND (consent_status = 'pending') = (consent_decided_at IS NULL)
    );
-- What waits for a county's bureau.
CREATE INDEX postings_consent_pending ON postings (consent_region, created_at)
    WHERE consent_status IS NOT NULL;
