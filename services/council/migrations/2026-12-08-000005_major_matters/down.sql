DROP TABLE major_matters;
