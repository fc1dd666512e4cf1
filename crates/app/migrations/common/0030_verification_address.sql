-- Verification codes go to a mobile number (SMS) or, for the international SDK's
-- `receiver_type` 2, an e-mail address: the column that kept either was named `mobile`. It
-- becomes `address`, with the `channel` ('sms' or 'email') it was sent through; existing codes
-- are sorted by their address (an e-mail address has an '@', a mobile number never does).
ALTER TABLE verification_codes RENAME COLUMN mobile TO address;
ALTER TABLE verification_codes ADD COLUMN channel TEXT NOT NULL DEFAULT 'sms';
UPDATE verification_codes SET channel = 'email' WHERE address LIKE '%@%';
DROP INDEX verification_codes_mobile;
CREATE INDEX verification_codes_address ON verification_codes(address, created_at);
