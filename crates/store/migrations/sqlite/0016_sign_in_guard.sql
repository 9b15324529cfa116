-- Sign-in limits that an attacker cannot turn against the account owner,
-- and two-factor sign-in (TOTP, RFC 6238) with recovery codes (SQLite;
-- the PostgreSQL file of the same name mirrors this one).

-- Failures were counted per email alone, so six wrong passwords from
-- anywhere locked the owner out. They are now counted per client address
-- and per address and account. The rows only matter for the length of the
-- window, so the old ones are not carried over.
DROP TABLE login_failures;
CREATE TABLE login_failures (
    id       INTEGER PRIMARY KEY,
    address  TEXT NOT NULL,
    email    TEXT NOT NULL,
    at       INTEGER NOT NULL
);
CREATE INDEX login_failures_address_at ON login_failures (address, at);
CREATE INDEX login_failures_address_email_at ON login_failures (address, email, at);
CREATE INDEX login_failures_at ON login_failures (at);

-- The TOTP secret (base32). Set with totp_enabled_at NULL while an
-- enrolment waits for its first code; enabled once confirmed. Kept as is
-- until the store has a key to encrypt it with: one function reads and
-- writes it (two_factor.rs), so encryption is a change in one place.
ALTER TABLE users ADD COLUMN totp_secret TEXT;
ALTER TABLE users ADD COLUMN totp_enabled_at INTEGER;
-- The time step of the last code accepted, so a code seen over someone's
-- shoulder cannot be used a second time.
ALTER TABLE users ADD COLUMN totp_last_step INTEGER;

-- One-time recovery codes, as SHA-256 hashes (they are random and long,
-- so a slow hash adds nothing); a used code is deleted.
CREATE TABLE recovery_codes (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id),
    code_hash  TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX recovery_codes_user ON recovery_codes (user_id);

-- A password that was right, waiting for the second step of a page
-- sign-in. Only a hash of the token in the form is kept; a few minutes
-- long.
CREATE TABLE sign_in_challenges (
    token_hash TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id),
    -- The address the password came from: the code must come from it too.
    address    TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sign_in_challenges_expires ON sign_in_challenges (expires_at);

-- Security settings an administrator chooses; one row.
CREATE TABLE security_settings (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    -- Who must use two-factor sign-in: nobody (each user may), the
    -- administrators, or everyone.
    two_factor TEXT NOT NULL DEFAULT 'optional' CHECK (two_factor IN ('optional', 'admins', 'everyone')),
    updated_at INTEGER NOT NULL DEFAULT 0
);
INSERT INTO security_settings (id) VALUES (1);
