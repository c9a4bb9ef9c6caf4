-- Scorecard bodies as json (validated, stored as their text) instead of jsonb (issue 7,
-- province benchmark): a round writes 2,000 bodies of ~14 kB in one transaction, and
-- building jsonb from them was most of that write, while nothing queries inside a body (it
-- is read whole, by evaluation id). Measured on the seeded province with the real bodies,
-- lz4 both: 0.3–0.6 s to insert them as json against 0.7–1.4 s as jsonb; read back as text
-- in 0.35 s against 1.0 s. Runs with search_path = evaluation.
ALTER TABLE scorecards ALTER COLUMN body TYPE json USING body::json;
DO $$
BEGIN
    ALTER TABLE scorecards ALTER COLUMN body SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
    RAISE NOTICE 'PostgreSQL built without lz4: scorecard bodies stay pglz-compressed';
END
$$;
