CREATE TABLE accounts (
    id     integer PRIMARY KEY,
    email  text NOT NULL UNIQUE
);
INSERT INTO accounts VALUES (1, 'ada@example.com'), (2, 'grace@example.com'), (3, 'linus@example.com');
ALTER TABLE accounts OWNER TO app;
