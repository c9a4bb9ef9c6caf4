DROP TABLE consequences;
DROP TABLE scorecards;
DROP TABLE rounds;
DROP TABLE scored_items;
DROP TABLE school_data;
DROP TABLE adoptions;
