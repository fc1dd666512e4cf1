//! Migration 30 on both engines: the codes kept in `verification_codes.mobile` move to `address`,
//! each with the `channel` it went through (an address with an '@' is an e-mail address).

use pc_app::store::{migrate, sql, testing};

#[tokio::test]
async fn existing_codes_get_their_address_and_channel() {
    for (engine, db) in testing::engines("vcmigrate").await {
        // The database as migration 29 left it, holding a code of each kind.
        let back = [
            "DROP INDEX verification_codes_address",
            "ALTER TABLE verification_codes DROP COLUMN channel",
            "ALTER TABLE verification_codes RENAME COLUMN address TO mobile",
            "CREATE INDEX verification_codes_mobile ON verification_codes(mobile, created_at)",
            "DELETE FROM schema_migrations WHERE version = 30",
            "INSERT INTO verification_codes (id, mobile, scene, code_hash, requested_by, created_at, expires_at) \
             VALUES ('vc-sms', '13800000000', 29, 'h', 'partner:p', 1, 2), \
             ('vc-mail', 'ana@example.com', 29, 'h', 'partner:p', 1, 2)",
        ];
        db.write(move |c| {
            Box::pin(async move {
                for statement in back {
                    sql::query(statement).execute(&mut *c).await?;
                }
                Ok(())
            })
        })
        .await
        .unwrap();
        assert_eq!(migrate::run(&db).await.unwrap(), [30], "{engine}");
        let rows: Vec<(String, String, String)> =
            sql::query_as("SELECT id, address, channel FROM verification_codes ORDER BY id")
                .fetch_all(db.read())
                .await
                .unwrap();
        assert_eq!(
            rows,
            [
                ("vc-mail".into(), "ana@example.com".into(), "email".into()),
                ("vc-sms".into(), "13800000000".into(), "sms".into()),
            ],
            "{engine}"
        );
    }
}
