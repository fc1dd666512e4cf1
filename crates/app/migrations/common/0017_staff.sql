-- Partner staff accounts (services/staff.rs): an optional display name shown to the partner's
-- admins, the time of the last successful console login, and an index for listing a partner's
-- users. `users.disabled_at` exists since 0001.
ALTER TABLE users ADD COLUMN display_name TEXT;
ALTER TABLE users ADD COLUMN last_login_at BIGINT;
CREATE INDEX users_partner ON users(partner_id, created_at);
