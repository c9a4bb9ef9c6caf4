ALTER TABLE meetings DROP CONSTRAINT meetings_place_or_link;
ALTER TABLE meetings ADD CONSTRAINT meetings_check
    CHECK (place IS NOT NULL OR online_link IS NOT NULL);
DROP TABLE school_stays;
