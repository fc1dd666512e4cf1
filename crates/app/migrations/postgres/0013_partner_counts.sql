-- How many customers each partner has associated right now, kept by a trigger in the transaction
-- that creates or ends an association, so listing a partner's customers (list_sub_customers,
-- the console) does not count the whole tenant on every page (bench/README.md, P1).
-- `partner-center verify` recomputes it from `associations`.
CREATE TABLE partner_customer_counts (
    partner_id TEXT PRIMARY KEY REFERENCES partners(id),
    active BIGINT NOT NULL DEFAULT 0 CHECK (active >= 0)
);
INSERT INTO partner_customer_counts (partner_id, active)
    SELECT partner_id, COUNT(*) FROM associations WHERE ended_at IS NULL GROUP BY partner_id;

CREATE FUNCTION pc_associations_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.ended_at IS NULL THEN
        UPDATE partner_customer_counts SET active = active - 1 WHERE partner_id = OLD.partner_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.ended_at IS NULL THEN
        INSERT INTO partner_customer_counts (partner_id, active) VALUES (NEW.partner_id, 1)
            ON CONFLICT (partner_id) DO UPDATE SET active = partner_customer_counts.active + 1;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER associations_count AFTER INSERT OR UPDATE OF ended_at, partner_id OR DELETE
    ON associations FOR EACH ROW EXECUTE FUNCTION pc_associations_count();

-- The active associations of a partner in list order, covering the association-side filters'
-- count without touching `customers`.
CREATE INDEX associations_partner_active ON associations(partner_id, associated_at, customer_id)
    WHERE ended_at IS NULL;
