-- The membership view a service keeps of the membership service's events
-- (`edu_bus::membership_view`, DESIGN.md "Ownership"): the groups, their schools now, and
-- each school's stays with their dates. One definition for every service that keeps it; the
-- service's own migration that follows fills it from the tables it replaces.

CREATE TABLE membership_groups (
    group_id       uuid PRIMARY KEY,
    -- NULL only where the view was filled from an older projection that did not keep it.
    name           text,
    region         text NOT NULL,
    lead_school_id uuid NOT NULL,
    plaque_date    date,
    -- The day of `group.dissolved`; NULL while the group stands.
    dissolved_on   date
);
CREATE INDEX membership_groups_region ON membership_groups (region);

-- A school's place in a group today: `active` while it is in it (a dissolution ends every
-- school's), and whether a persuade-out of it is open (X-01).
CREATE TABLE membership_schools (
    group_id           uuid    NOT NULL REFERENCES membership_groups (group_id),
    school_id          uuid    NOT NULL,
    role               text    NOT NULL CHECK (role IN ('lead', 'member')),
    -- The school's name and principal (G-03, G-04) and county (F-04), as the events told
    -- them; NULL where no event did.
    name               text,
    principal_name     text,
    region             text,
    active             boolean NOT NULL,
    under_persuade_out boolean NOT NULL DEFAULT false,
    PRIMARY KEY (group_id, school_id)
);
CREATE INDEX membership_schools_school ON membership_schools (school_id) WHERE active;

-- Each stay of a school in a group: the lead's from the group's formation, a member's from
-- its admission to its exit, all open ones closed by a dissolution. A school that comes back
-- has one row a stay. Past records (a posting, a meeting) are judged against these.
CREATE TABLE membership_stays (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    group_id  uuid NOT NULL REFERENCES membership_groups (group_id),
    school_id uuid NOT NULL,
    role      text NOT NULL CHECK (role IN ('lead', 'member')),
    joined_on date NOT NULL,
    -- The day it left: from then on it is not in the group (as membership records an exit);
    -- NULL while the stay lasts.
    left_on   date,
    CHECK (left_on IS NULL OR left_on >= joined_on)
);
CREATE INDEX membership_stays_group_school ON membership_stays (group_id, school_id, joined_on);
CREATE UNIQUE INDEX membership_stays_open ON membership_stays (group_id, school_id)
    WHERE left_on IS NULL;
