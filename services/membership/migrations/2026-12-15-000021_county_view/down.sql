DROP TABLE weak_designations;
DROP TABLE weak_rounds;
