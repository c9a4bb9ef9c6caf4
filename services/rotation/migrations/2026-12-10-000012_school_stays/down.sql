DROP TABLE school_stays;
