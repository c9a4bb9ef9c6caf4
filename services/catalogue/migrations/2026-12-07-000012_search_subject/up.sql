-- The subject is searched too (a school looking for 数学 expects the maths resources). The
-- index tokens are made in Rust (rules.rs), so the rows indexed before are marked here and
-- indexed again by the service when it starts; rows written from now on carry the current
-- version. The GIN index over search_tokens stays the one index a keyword search uses.
ALTER TABLE resources ADD COLUMN search_version smallint NOT NULL DEFAULT 1;
UPDATE resources SET search_version = 0;
CREATE INDEX resources_search_stale ON resources (search_version) WHERE search_version < 1;
