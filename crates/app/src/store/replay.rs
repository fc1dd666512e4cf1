//! The strict replay mode's memory (docs/ARCHITECTURE.md, Security): the SDK's signature protocol has no nonce, so a
//! captured signed write can be sent again for as long as its `X-Sdk-Date` is inside the window.
//! With `serve --strict-replay`, each write's signature is remembered until the window has passed
//! and a second request with the same signature is refused. Off by default, because two
//! legitimate identical writes in the same second carry the same signature (a client that retries
//! must re-sign, which the official SDK does on each call).

use crate::error::AppResult;
use crate::store::sql;
use crate::store::Db;

/// Remembers `signature` until `expires_at` (ms); `false` when it was already seen (a replay).
/// Expired signatures are forgotten on the way.
pub async fn first_sight(db: &Db, signature: String, now: i64, expires_at: i64) -> AppResult<bool> {
    db.write(move |c| {
        Box::pin(async move {
            sql::query("DELETE FROM replay_cache WHERE expires_at < $1")
                .bind(now)
                .execute(&mut *c)
                .await?;
            let n = sql::query(
                "INSERT INTO replay_cache (signature, expires_at) VALUES ($1, $2) ON CONFLICT (signature) DO NOTHING",
            )
            .bind(&signature)
            .bind(expires_at)
            .execute(&mut *c)
            .await?
            .rows_affected();
            Ok(n == 1)
        })
    })
    .await
}
