-- A round is opened as a draft: computed for the bureau to check, recomputed after it
-- corrects the schools' data, and final only once the bureau completes it (V-03: the year's
-- data of its groups is then locked; X-02: only then are its consequences decided). Rounds
-- opened before drafts existed were final from the start: they become completed, on the day
-- they were computed, by whoever opened them. Runs with search_path = evaluation.
ALTER TABLE rounds
    ADD COLUMN state        text NOT NULL DEFAULT 'completed'
        CHECK (state IN ('draft', 'completed')),
    ADD COLUMN completed_at timestamptz,
    ADD COLUMN completed_by text;
UPDATE rounds SET completed_at = coalesce(computed_at, opened_at), completed_by = opened_by
WHERE status <> 'computing';
-- A round still computing has published nothing yet: it finishes as a draft, which the
-- bureau completes (its scorecards' events are published then).
UPDATE rounds SET state = 'draft' WHERE status = 'computing';
ALTER TABLE rounds ALTER COLUMN state SET DEFAULT 'draft';
-- The bureau's list of its region's rounds, newest first.
CREATE INDEX rounds_region_opened ON rounds (region, school_year, opened_at DESC);
