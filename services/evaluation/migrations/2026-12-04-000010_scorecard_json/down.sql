ALTER TABLE scorecards ALTER COLUMN body TYPE jsonb USING body::jsonb;
