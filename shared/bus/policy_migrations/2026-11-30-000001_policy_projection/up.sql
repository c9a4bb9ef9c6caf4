-- A service's projection of the region policy versions the membership service publishes
-- (`policy.published`, DESIGN.md "Policy as data"). Absent region: the built-in defaults.
CREATE TABLE policy_versions (
    region         text        NOT NULL,
    version        integer     NOT NULL CHECK (version > 0),
    effective_from date        NOT NULL,
    body           jsonb       NOT NULL,
    received_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (region, version)
);
