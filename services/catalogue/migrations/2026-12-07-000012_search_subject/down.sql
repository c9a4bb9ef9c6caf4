DROP INDEX resources_search_stale;
ALTER TABLE resources DROP COLUMN search_version;
