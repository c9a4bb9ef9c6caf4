-- Test-only table of the consumer probe: one row per applied event, `n` counts how often
-- its effect ran (it must stay 1).
CREATE TABLE applied (
    event_id uuid PRIMARY KEY,
    n        integer NOT NULL
);
