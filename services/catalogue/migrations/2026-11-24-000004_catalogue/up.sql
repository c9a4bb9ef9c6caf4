-- Shared-course catalogue (DOMAIN.md §5, RULES.md §4). Runs with search_path = catalogue.

-- R-01 bookings: no two confirmed bookings of one facility overlap (exclusion constraint,
-- so two simultaneous bookings cannot both commit). btree_gist gives uuid its gist `=`.
CREATE EXTENSION IF NOT EXISTS btree_gist WITH SCHEMA public;

-- Projection of the membership service's events: groups and their schools.
CREATE TABLE groups_seen (
    group_id       uuid PRIMARY KEY,
    region         text    NOT NULL,
    lead_school_id uuid    NOT NULL,
    dissolved      boolean NOT NULL DEFAULT false
);
CREATE TABLE group_schools (
    group_id  uuid    NOT NULL REFERENCES groups_seen (group_id),
    school_id uuid    NOT NULL,
    role      text    NOT NULL,
    active    boolean NOT NULL,
    PRIMARY KEY (group_id, school_id)
);
CREATE INDEX group_schools_school ON group_schools (school_id);

-- Chunked uploads; a finished one has its verified hash and may be attached to a version.
CREATE TABLE uploads (
    id           uuid PRIMARY KEY,
    group_id     uuid        NOT NULL REFERENCES groups_seen (group_id),
    school_id    uuid        NOT NULL,
    file_name    text        NOT NULL,
    content_type text        NOT NULL,
    received     bigint      NOT NULL DEFAULT 0,
    sha256       text,
    finished     boolean     NOT NULL DEFAULT false,
    created_at   timestamptz NOT NULL DEFAULT now()
);

-- A resource: its classification, owner and publication; the text of its latest version
-- is repeated here for search (search_text lowercased, search_tokens from it, see rules.rs).
CREATE TABLE resources (
    id              uuid PRIMARY KEY,
    group_id        uuid        NOT NULL REFERENCES groups_seen (group_id),
    owner_school_id uuid        NOT NULL,
    kind            text        NOT NULL,
    subject         text        NOT NULL,
    stage           text        NOT NULL,
    grade           text        NOT NULL,
    course_type     text        NOT NULL,
    tier            text        NOT NULL,
    status          text        NOT NULL,
    title           text        NOT NULL,
    description     text        NOT NULL,
    tags            text[]      NOT NULL,
    latest_version  integer     NOT NULL,
    search_text     text        NOT NULL,
    search_tokens   text[]      NOT NULL,
    review_note     text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX resources_tokens ON resources USING gin (search_tokens);
CREATE INDEX resources_group ON resources (group_id, updated_at DESC, id);
CREATE INDEX resources_owner ON resources (owner_school_id);

-- Versions never change once written.
CREATE TABLE versions (
    resource_id       uuid        NOT NULL REFERENCES resources (id),
    number            integer     NOT NULL CHECK (number >= 1),
    title             text        NOT NULL,
    description       text        NOT NULL,
    authors           text[]      NOT NULL,
    tags              text[]      NOT NULL,
    file_sha256       text,
    file_size         bigint,
    file_name         text,
    file_content_type text,
    change_note       text,
    created_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (resource_id, number)
);

-- One row per school and version it adopted; a school's current adoption is its highest.
CREATE TABLE adoptions (
    resource_id uuid        NOT NULL REFERENCES resources (id),
    school_id   uuid        NOT NULL,
    version     integer     NOT NULL,
    adopted_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (resource_id, school_id, version),
    FOREIGN KEY (resource_id, version) REFERENCES versions (resource_id, number)
);
CREATE INDEX adoptions_school ON adoptions (school_id);

-- Recommendations inside the group (the only shares R-11 allows).
CREATE TABLE shares (
    id                  uuid PRIMARY KEY,
    resource_id         uuid        NOT NULL REFERENCES resources (id),
    target_school_id    uuid,
    target_group_id     uuid,
    shared_by_school_id uuid,
    shared_by           text        NOT NULL,
    note                text,
    created_at          timestamptz NOT NULL DEFAULT now(),
    CHECK ((target_school_id IS NULL) <> (target_group_id IS NULL))
);

-- R-11/M7: every refused export, with who asked and for whom (the event carries the same).
CREATE TABLE export_refusals (
    id                     uuid PRIMARY KEY,
    resource_id            uuid        NOT NULL REFERENCES resources (id),
    requested_by           text        NOT NULL,
    requested_by_school_id uuid,
    target_school_id       uuid,
    target_group_id        uuid,
    created_at             timestamptz NOT NULL DEFAULT now()
);

-- R-01: facilities of the group's schools and their bookings.
CREATE TABLE facilities (
    id              uuid PRIMARY KEY,
    group_id        uuid        NOT NULL REFERENCES groups_seen (group_id),
    owner_school_id uuid        NOT NULL,
    name            text        NOT NULL,
    kind            text        NOT NULL,
    description     text        NOT NULL,
    capacity        integer,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX facilities_group ON facilities (group_id);

CREATE TABLE bookings (
    id          uuid PRIMARY KEY,
    facility_id uuid        NOT NULL REFERENCES facilities (id),
    group_id    uuid        NOT NULL,
    school_id   uuid        NOT NULL,
    starts_at   timestamptz NOT NULL,
    ends_at     timestamptz NOT NULL,
    purpose     text        NOT NULL,
    status      text        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CHECK (starts_at < ends_at),
    CONSTRAINT bookings_no_overlap EXCLUDE USING gist (
        facility_id WITH =,
        tstzrange(starts_at, ends_at, '[)') WITH &&
    ) WHERE (status = 'confirmed')
);
CREATE INDEX bookings_facility ON bookings (facility_id, starts_at);
