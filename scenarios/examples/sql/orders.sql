-- The orders schema as staging has it, with the grants the service accounts need.
CREATE TABLE orders.orders (
    id INT PRIMARY KEY,
    customer VARCHAR(80) NOT NULL,
    total_cents INT NOT NULL
);
INSERT INTO orders.orders VALUES (1, 'ada', 1250), (2, 'grace', 990), (3, 'linus', 4200);
GRANT SELECT, INSERT, UPDATE ON orders.* TO 'orders_app'@'%';
GRANT SELECT ON orders.* TO 'orders_report'@'%';
