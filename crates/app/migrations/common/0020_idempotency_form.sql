-- What an idempotency row holds (store/idempotency.rs `Form`): the HTTP body an adapter rendered
-- (every row before this migration), or the use case's output as JSON (rows written by `Db::run`).
ALTER TABLE idempotency_keys ADD COLUMN form TEXT NOT NULL DEFAULT 'http';
