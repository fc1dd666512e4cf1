-- Spec changes (变更, order type 3): the product a change line replaced (the vendor's
-- `base_product_info`). A downgrade's refund is recorded like an unsubscribe's; the value that
-- stays paid for the new spec moves from the original orders to the change order as
-- `refund_sources` rows of kind 'carried', whose `transfer_id` names the change order (no money
-- moves for it).
ALTER TABLE order_lines ADD COLUMN base_product_id TEXT;
