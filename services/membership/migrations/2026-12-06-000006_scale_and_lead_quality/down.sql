DROP TABLE lead_quality;
DROP TABLE scale_decisions;
ALTER TABLE memberships DROP COLUMN independent_leadership;
