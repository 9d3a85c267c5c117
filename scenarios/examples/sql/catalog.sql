CREATE TABLE products (
    sku          text PRIMARY KEY,
    name         text NOT NULL,
    price_cents  integer NOT NULL
);
INSERT INTO products VALUES
    ('A-100', 'kettle', 2499),
    ('B-200', 'teapot', 1899),
    ('C-300', 'mug', 650);
ALTER TABLE products OWNER TO catalog;
