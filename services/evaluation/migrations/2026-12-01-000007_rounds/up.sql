-- The bureau's annual evaluation (issue 7, RULES.md §6). Runs with search_path = evaluation.

-- catalogue: adoptions of a group resource by a school (R-05, R-09: reuse across schools).
CREATE TABLE adoptions (
    event_id           uuid PRIMARY KEY,
    resource_id        uuid NOT NULL,
    group_id           uuid NOT NULL,
    owner_school_id    uuid NOT NULL,
    adopting_school_id uuid NOT NULL,
    adopted_on         date NOT NULL
);
CREATE INDEX adoptions_group_day ON adoptions (group_id, adopted_on);

-- What the bureau enters per school and school year: the quality score (V-08) and the
-- balance inputs (Q-12).
CREATE TABLE school_data (
    school_id     uuid             NOT NULL,
    school_year   integer          NOT NULL,
    region        text             NOT NULL,
    stage         text             NOT NULL,
    quality_score double precision CHECK (quality_score BETWEEN 0 AND 100),
    balance       jsonb,
    entered_by    text             NOT NULL,
    entered_at    timestamptz      NOT NULL,
    PRIMARY KEY (school_id, school_year)
);
CREATE INDEX school_data_region_year ON school_data (region, school_year);

-- The dimensions the bureau scores by hand, with evidence (V-01).
CREATE TABLE scored_items (
    group_id    uuid        NOT NULL,
    school_year integer     NOT NULL,
    items       jsonb       NOT NULL,
    entered_by  text        NOT NULL,
    entered_at  timestamptz NOT NULL,
    PRIMARY KEY (group_id, school_year)
);

CREATE TABLE rounds (
    round_id       uuid PRIMARY KEY,
    region         text        NOT NULL,
    school_year    integer     NOT NULL,
    as_of          date        NOT NULL,
    policy_version integer     NOT NULL,
    opened_by      text        NOT NULL,
    opened_at      timestamptz NOT NULL,
    skipped        jsonb       NOT NULL
);

-- V-03: one evaluation per group and school year.
CREATE TABLE scorecards (
    evaluation_id uuid PRIMARY KEY,
    round_id      uuid             NOT NULL REFERENCES rounds (round_id),
    group_id      uuid             NOT NULL,
    school_year   integer          NOT NULL,
    total         double precision NOT NULL,
    grade         text             NOT NULL,
    body          jsonb            NOT NULL,
    UNIQUE (group_id, school_year)
);
CREATE INDEX scorecards_round ON scorecards (round_id, group_id);

-- X-02: what the evaluation proposes; only the bureau makes it happen.
CREATE TABLE consequences (
    consequence_id uuid PRIMARY KEY,
    evaluation_id  uuid NOT NULL REFERENCES scorecards (evaluation_id),
    group_id       uuid NOT NULL,
    kind           text NOT NULL,
    school_id      uuid,
    reason         text NOT NULL,
    status         text NOT NULL,
    decided_by     text,
    decided_at     timestamptz,
    note           text
);
CREATE INDEX consequences_group ON consequences (group_id, kind, school_id);
