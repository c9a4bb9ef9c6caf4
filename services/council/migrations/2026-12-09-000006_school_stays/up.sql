-- Each school's stays in its group with their dates, so that a meeting the bureau loads from
-- the group's past (理事会会议 held before this system) is judged against who was in the
-- group on its day (G-02, G-06). Kept by the membership projection: `group.established` opens
-- the lead's stay on the plaque date, `member.admitted` a member's on `joined_on` (or the
-- event's day), `member.exited` closes it on `left_on` (or the event's day), and
-- `group.dissolved` closes the open ones. A school that comes back has one row a stay.
CREATE TABLE school_stays (
    group_id  uuid NOT NULL REFERENCES councils (group_id),
    school_id uuid NOT NULL,
    joined_on date NOT NULL,
    left_on   date,
    PRIMARY KEY (group_id, school_id, joined_on),
    CHECK (left_on IS NULL OR left_on >= joined_on)
);
CREATE UNIQUE INDEX school_stays_one_open ON school_stays (group_id, school_id)
    WHERE left_on IS NULL;

-- The schools the council already knows. The lead stays from the plaque date; a member from
-- the day its first seat was created (the day the council learnt of its admission, the best
-- date this schema kept), and a member that left until its seats were vacated.
INSERT INTO school_stays (group_id, school_id, joined_on, left_on)
SELECT s.group_id,
       s.school_id,
       j.joined_on,
       CASE
           WHEN s.active AND c.frozen_on IS NULL THEN NULL
           ELSE GREATEST(j.joined_on, COALESCE(
               c.frozen_on,
               (SELECT max(v.vacated_at)::date FROM seats v
                 WHERE v.group_id = s.group_id AND v.school_id = s.school_id),
               j.joined_on))
       END
  FROM council_schools s
  JOIN councils c ON c.group_id = s.group_id
 CROSS JOIN LATERAL (
       SELECT CASE
                  WHEN s.role = 'lead' THEN c.plaque_date
                  ELSE COALESCE(
                      (SELECT min(f.since)::date FROM seats f
                        WHERE f.group_id = s.group_id AND f.school_id = s.school_id),
                      c.created_at::date)
              END AS joined_on
       ) j;

-- A meeting to be held names its place or online link; a held meeting loaded from the
-- group's records may lack both (the records do not always say where it met).
ALTER TABLE meetings DROP CONSTRAINT meetings_check;
ALTER TABLE meetings ADD CONSTRAINT meetings_place_or_link
    CHECK (place IS NOT NULL OR online_link IS NOT NULL OR held_at IS NOT NULL);
