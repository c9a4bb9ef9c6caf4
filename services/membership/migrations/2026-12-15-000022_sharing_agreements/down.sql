DROP TABLE sharing_agreements;
