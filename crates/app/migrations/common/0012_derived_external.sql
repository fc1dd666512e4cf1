-- The external account's balance is derived from its transfers from now on (decision 0004):
-- its row no longer caches one, so no transaction locks it.
UPDATE ledger_accounts SET balance = 0 WHERE kind = 'external';
