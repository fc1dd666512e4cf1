-- The home pages' figures added after 0028, each grouped by month in the database over an index
-- bounded by its window: a master distributor's customers associated per month across its tree
-- (its own and its resellers', the rows carrying its id as `root_id`); and for operators the
-- partners and customers that joined per month and the platform's orders of the last months by
-- status (a seek per status). Top-ups credited per month read `topup_requests_decided`.
CREATE INDEX associations_root_time ON associations(root_id, associated_at);
CREATE INDEX partners_created ON partners(created_at);
CREATE INDEX customers_created ON customers(created_at);
CREATE INDEX orders_status_time ON orders(status, created_at);
