DROP TABLE cross_appointments;
DROP TABLE leader_recommendations;
DROP TABLE office_appointments;
