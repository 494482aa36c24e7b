-- Run once by the official postgres image on an empty data volume (docker-entrypoint-initdb.d): one
-- database per subgraph, and one for the Postgres event bus (used only with EVENT_BUS=postgres).
CREATE DATABASE pharmacy_users;
CREATE DATABASE pharmacy_products;
CREATE DATABASE pharmacy_orders;
CREATE DATABASE pharmacy_inventory;
CREATE DATABASE pharmacy_events;
