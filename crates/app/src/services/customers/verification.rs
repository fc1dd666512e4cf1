//! SMS (or e-mail) verification codes: sent through the outbox (the default transport is the outbox table, so
//! a demo or a test reads the code there), checked once, limited per address (a mobile number or
//! an e-mail address, kept in `verification_codes.address` with the `channel` it went through).
//!
//! A code is bound to who asked for it (`requested_by`: `partner:<id>` for the vendor API,
//! `invite:<link id>` for an invite link), so a code sent through one partner's platform cannot be
//! spent through another's. Sending a new code supersedes the number's previous live code for the
//! same requester and scene (its `used_at` is set), so at most one code is live. The send limits
//! (15 an hour, 60 a day per number, CBC.99004015) count rows in the database, so they hold across
//! instances; under concurrent sends on PostgreSQL they may be exceeded by the few requests in
//! flight at once, which is acceptable for a brake.

use crate::store::sql::{self, Conn};
use pc_domain::ids::random_hex;
use pc_domain::verification::{self as rules, Scene, StoredCode};

use crate::context::Ctx;
use crate::error::{AppError, AppResult, Code};
use crate::store::{audit, outbox, Db};

/// A code to send.
#[derive(Debug, Clone)]
pub struct CodeRequest {
    /// The receiver: a checked Chinese mobile number (11 digits), or a checked e-mail address
    /// (the international SDK's `receiver_type` 2; the code then goes out as an e-mail). The
    /// `address` column of `verification_codes` keeps either, its `channel` says which.
    pub address: String,
    pub scene: Scene,
    pub ttl_minutes: i64,
    /// The SMS language: English, else Chinese.
    pub english: bool,
    pub requested_by: String,
    /// The tenant whose flow sent it (for the outbox row).
    pub root_id: Option<String>,
}

/// The channel a code to `address` goes through: `email` for an e-mail address, else `sms`.
pub(crate) fn channel(address: &str) -> &'static str {
    if address.contains('@') {
        "email"
    } else {
        "sms"
    }
}

/// Sends a code (an outbox row) inside the caller's transaction, after the per-number limits.
pub(crate) async fn send(c: &mut Conn, ctx: &Ctx, r: &CodeRequest) -> AppResult<()> {
    let channel = channel(&r.address);
    let count_since = |since: i64| {
        sql::query_scalar::<i64>(
            "SELECT COUNT(*) FROM verification_codes WHERE address = $1 AND created_at > $2",
        )
        .bind(r.address.clone())
        .bind(since)
    };
    let last_hour = count_since(ctx.now_ms - rules::HOUR_MS)
        .fetch_one(&mut *c)
        .await?;
    let last_day = count_since(ctx.now_ms - rules::DAY_MS)
        .fetch_one(&mut *c)
        .await?;
    if !rules::may_send(last_hour, last_day) {
        return Err(AppError::new(Code::VerificationCodeLimit));
    }
    sql::query(
        "UPDATE verification_codes SET used_at = $1 WHERE address = $2 AND scene = $3 AND requested_by = $4 AND used_at IS NULL",
    )
    .bind(ctx.now_ms)
    .bind(&r.address)
    .bind(r.scene.code())
    .bind(&r.requested_by)
    .execute(&mut *c)
    .await?;
    let id = format!("vc{}", random_hex(12));
    let code = rules::generate_code();
    let expires_at = ctx.now_ms + r.ttl_minutes * 60_000;
    sql::query(
        "INSERT INTO verification_codes (id, address, channel, scene, code_hash, requested_by, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&id)
    .bind(&r.address)
    .bind(channel)
    .bind(r.scene.code())
    .bind(rules::hash_code(&id, &code))
    .bind(&r.requested_by)
    .bind(ctx.now_ms)
    .bind(expires_at)
    .execute(&mut *c)
    .await?;
    let body = if r.english {
        format!(
            "[Partner Center] Your verification code is {code}. It is valid for {} minutes. Do not share it with anyone.",
            r.ttl_minutes
        )
    } else {
        format!(
            "【伙伴中心】您的验证码为 {code}，{} 分钟内有效。请勿将验证码告诉他人。",
            r.ttl_minutes
        )
    };
    outbox::enqueue(
        c,
        ctx,
        r.root_id.as_deref(),
        channel,
        &r.address,
        "Verification code / 验证码",
        &body,
    )
    .await?;
    audit::record(
        c,
        ctx,
        audit::Entry {
            action: "verification_code.send",
            target_kind: "verification_code",
            target_id: &id,
            transfer_ids: &[],
            detail: serde_json::json!({"scene": r.scene.code(), "expires_at": expires_at, "requested_by": r.requested_by}),
        },
    )
    .await
}

/// Spends the number's live code if `code` matches, inside the caller's transaction. A wrong code
/// is `CBC.99004010` (the caller then calls [`record_wrong_attempt`] outside the rolled-back
/// transaction), an expired one `CBC.99004008`.
pub(crate) async fn consume(
    c: &mut Conn,
    ctx: &Ctx,
    address: &str,
    scene: Scene,
    requested_by: &str,
    code: &str,
) -> AppResult<()> {
    let row = sql::query(
        "SELECT id, code_hash, expires_at, attempts FROM verification_codes \
         WHERE address = $1 AND scene = $2 AND requested_by = $3 AND used_at IS NULL ORDER BY created_at DESC LIMIT 1",
    )
    .bind(address)
    .bind(scene.code())
    .bind(requested_by)
    .fetch_optional(&mut *c)
    .await?;
    let fields = row.map(|r| {
        (
            r.get::<String, _>(0),
            r.get::<String, _>(1),
            r.get::<i64, _>(2),
            r.get::<i64, _>(3),
        )
    });
    let stored = fields.as_ref().map(|(id, hash, exp, att)| StoredCode {
        row_id: id,
        code_hash: hash,
        expires_at: *exp,
        attempts: *att,
    });
    rules::check_code(stored.as_ref(), code, ctx.now_ms)?;
    let id = fields.map(|f| f.0).unwrap_or_default();
    let used = audit::change(
        c,
        ctx,
        sql::query(
            "UPDATE verification_codes SET used_at = $1 WHERE id = $2 AND used_at IS NULL AND attempts < $3",
        )
        .bind(ctx.now_ms)
        .bind(&id)
        .bind(rules::MAX_ATTEMPTS),
        audit::Entry {
            action: "verification_code.use",
            target_kind: "verification_code",
            target_id: &id,
            transfer_ids: &[],
            detail: serde_json::json!({}),
        },
    )
    .await?;
    if used {
        Ok(())
    } else {
        // Spent or voided by a concurrent request a moment ago.
        Err(AppError::new(Code::VerificationCodeWrong))
    }
}

/// Counts a wrong guess against the number's live code (in its own transaction, because the
/// request that guessed wrong rolled back). After [`rules::MAX_ATTEMPTS`] the code is void. Best
/// effort: the caller answers "wrong code" either way.
pub(crate) async fn record_wrong_attempt(
    db: &Db,
    ctx: Ctx,
    address: String,
    scene: Scene,
    requested_by: String,
) {
    let r = db.write(move |c| {
        Box::pin(async move {
            let id: Option<String> = sql::query_scalar(
                "UPDATE verification_codes SET attempts = attempts + 1 \
                 WHERE address = $1 AND scene = $2 AND requested_by = $3 AND used_at IS NULL RETURNING id",
            )
            .bind(&address)
            .bind(scene.code())
            .bind(&requested_by)
            .fetch_optional(&mut *c)
            .await?;
            if let Some(id) = id {
                audit::record(
                    c,
                    &ctx,
                    audit::Entry {
                        action: "verification_code.wrong",
                        target_kind: "verification_code",
                        target_id: &id,
                        transfer_ids: &[],
                        detail: serde_json::json!({}),
                    },
                )
                .await?;
            }
            Ok(())
        })
    })
    .await;
    if let Err(e) = r {
        tracing::warn!(error = %e, "could not count a wrong verification code");
    }
}
