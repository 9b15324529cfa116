-- Customers anywhere: every customer, contact and lead has a country
-- (ISO 3166-1 alpha-2) whose entry standards its mobile, phone, region and
-- postal code follow, and people have a birth date, a gender and a
-- preferred language. Every record before this was entered under China's
-- rules, so it is Chinese; nothing else changes. The instance's default
-- country (for records entered without one) is an administrator's setting.
-- The SQLite and PostgreSQL files of this name are the same.

ALTER TABLE customers ADD COLUMN country TEXT NOT NULL DEFAULT 'CN';
ALTER TABLE customers ADD COLUMN birth_date TEXT;
ALTER TABLE customers ADD COLUMN gender TEXT CHECK (gender IN ('female', 'male', 'unknown'));
ALTER TABLE customers ADD COLUMN language TEXT;

ALTER TABLE contacts ADD COLUMN country TEXT NOT NULL DEFAULT 'CN';
ALTER TABLE contacts ADD COLUMN birth_date TEXT;
ALTER TABLE contacts ADD COLUMN gender TEXT CHECK (gender IN ('female', 'male', 'unknown'));
ALTER TABLE contacts ADD COLUMN language TEXT;

ALTER TABLE leads ADD COLUMN country TEXT NOT NULL DEFAULT 'CN';
ALTER TABLE leads ADD COLUMN birth_date TEXT;
ALTER TABLE leads ADD COLUMN gender TEXT CHECK (gender IN ('female', 'male', 'unknown'));
ALTER TABLE leads ADD COLUMN language TEXT;

CREATE TABLE locale_settings (
    id               INTEGER PRIMARY KEY CHECK (id = 1),
    default_country  TEXT NOT NULL DEFAULT 'CN',
    updated_by       BIGINT REFERENCES users (id),
    updated_at       BIGINT NOT NULL
);
INSERT INTO locale_settings (id, default_country, updated_at) VALUES (1, 'CN', 0);
