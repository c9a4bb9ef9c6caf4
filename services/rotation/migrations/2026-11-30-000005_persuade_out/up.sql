-- Projection of `persuade_out.proposed` / `persuade_out.decided`: a member under an open
-- persuade-out (劝退, X-01) receives no new lead-to-member postings (issue 6, item 4).
ALTER TABLE group_schools ADD COLUMN under_persuade_out boolean NOT NULL DEFAULT false;
