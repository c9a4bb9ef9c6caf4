-- Scorecard bodies compressed with lz4 instead of pglz (issue 7, province benchmark): a
-- province's round writes 2,000 bodies of ~14 kB of JSON in one transaction, and pglz
-- compressing them was about half of that write (measured on the seeded province: 2,000
-- bodies inserted as jsonb in 1.7–2.8 s with pglz, 0.7–1.4 s with lz4; 11 MB against
-- 13 MB stored). Bodies already stored keep their compression until rewritten. A server
-- built without lz4 keeps pglz. Runs with search_path = evaluation.
DO $$
BEGIN
    ALTER TABLE scorecards ALTER COLUMN body SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
    RAISE NOTICE 'PostgreSQL built without lz4: scorecard bodies stay pglz-compressed';
END
$$;
