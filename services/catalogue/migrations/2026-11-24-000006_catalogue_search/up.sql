-- Search on a large library (deploy/bench/RESULTS-search.md): no GIN pending list, so a
-- search never scans unmerged entries (writes are rare, reads are not; the next VACUUM
-- merges what is pending), and an index for the subject filter.
ALTER INDEX resources_tokens SET (fastupdate = off);
CREATE INDEX resources_group_subject ON resources (group_id, subject, updated_at DESC);
