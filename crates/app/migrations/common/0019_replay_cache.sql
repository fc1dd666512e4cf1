-- Strict replay mode (DESIGN §7, opt-in with `serve --strict-replay`): the signatures of the
-- writes seen inside the signature window. A write whose signature is already here is refused.
-- In the database so every instance sharing it refuses the replay; rows past the window go.
CREATE TABLE replay_cache (
    signature TEXT PRIMARY KEY,
    expires_at BIGINT NOT NULL
);
CREATE INDEX replay_cache_expiry ON replay_cache(expires_at);
