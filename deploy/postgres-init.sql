-- The catalog, dossier and chat database (TTHC_DATABASE_URL), beside the tracker database.
CREATE DATABASE tthc OWNER tthc;
