-- A newly created access key's secret, sealed under the master key, waiting to be shown once to
-- the console session that created it. In the database (not in process memory) so that the page
-- after the redirect may be served by another instance; taken (deleted) when shown; kept at most
-- ten minutes.
CREATE TABLE key_flash (
    session_hash TEXT PRIMARY KEY,
    access_key TEXT NOT NULL,
    sealed_secret TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
