//! Secrets at rest. The server must keep access-key secrets to verify HMAC signatures (docs/ARCHITECTURE.md, Security),
//! so they are stored encrypted with ChaCha20-Poly1305 under a 256-bit master key from
//! configuration (`PC_MASTER_KEY`, hex) or, for the embedded default, a key file generated on
//! first start. Passwords are argon2id hashes and never stored otherwise.
//!
//! **Rotating the master key.** A key may carry the previous key: it seals with the new one and
//! opens with either, so instances restarted with `--master-key NEW --previous-master-key OLD`
//! serve every stored secret while `admin reseal-secrets` re-seals them all under the new key;
//! then the previous key is dropped from the configuration.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use base64::Engine as _;
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use rand::RngCore;

use crate::error::{AppError, AppResult};

#[derive(Clone)]
pub struct MasterKey([u8; 32], Option<[u8; 32]>);

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(***)")
    }
}

impl MasterKey {
    pub fn generate() -> MasterKey {
        let mut k = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut k);
        MasterKey(k, None)
    }

    /// This key, also opening what `previous` sealed (during a rotation).
    pub fn with_previous(self, previous: &MasterKey) -> MasterKey {
        MasterKey(self.0, Some(previous.0))
    }

    pub fn from_hex(s: &str) -> AppResult<MasterKey> {
        let b = hex::decode(s.trim()).map_err(|_| {
            AppError::invalid_tr(
                "the master key must be 64 hex digits",
                "主密钥必须是 64 位十六进制数字。",
            )
        })?;
        let k: [u8; 32] = b.try_into().map_err(|_| {
            AppError::invalid_tr(
                "the master key must be 64 hex digits",
                "主密钥必须是 64 位十六进制数字。",
            )
        })?;
        Ok(MasterKey(k, None))
    }

    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// Reads the key file, creating it (mode 0600) with a new key if it does not exist.
    pub fn load_or_create(path: &std::path::Path) -> AppResult<MasterKey> {
        match std::fs::read_to_string(path) {
            Ok(s) => MasterKey::from_hex(&s),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir).map_err(AppError::internal)?;
                }
                let k = MasterKey::generate();
                write_private(path, &k.to_hex()).map_err(AppError::internal)?;
                Ok(k)
            }
            Err(e) => Err(AppError::internal(format!(
                "cannot read master key {path:?}: {e}"
            ))),
        }
    }

    /// `base64(nonce ‖ ciphertext)`.
    pub fn seal(&self, plain: &str) -> String {
        let cipher = ChaCha20Poly1305::new(Key::from_slice(&self.0));
        let mut nonce = [0u8; 12];
        rand::thread_rng().fill_bytes(&mut nonce);
        let ct = cipher
            .encrypt(Nonce::from_slice(&nonce), plain.as_bytes())
            .expect("encryption cannot fail");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&ct);
        base64::engine::general_purpose::STANDARD.encode(out)
    }

    pub fn open(&self, sealed: &str) -> AppResult<String> {
        let raw = base64::engine::general_purpose::STANDARD
            .decode(sealed)
            .map_err(AppError::internal)?;
        if raw.len() < 12 {
            return Err(AppError::internal("sealed secret too short"));
        }
        let try_key = |k: &[u8; 32]| {
            ChaCha20Poly1305::new(Key::from_slice(k))
                .decrypt(Nonce::from_slice(&raw[..12]), &raw[12..])
                .ok()
        };
        let plain = try_key(&self.0)
            .or_else(|| self.1.as_ref().and_then(try_key))
            .ok_or_else(|| {
                AppError::internal("cannot decrypt a stored secret: wrong master key?")
            })?;
        String::from_utf8(plain).map_err(AppError::internal)
    }
}

#[cfg(unix)]
fn write_private(path: &std::path::Path, content: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(content.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &std::path::Path, content: &str) -> std::io::Result<()> {
    std::fs::write(path, content)
}

pub fn hash_password(password: &str) -> AppResult<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(AppError::internal)
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(h) => Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok(),
        Err(_) => false,
    }
}

/// A random string from an alphabet without look-alikes, for generated passwords and keys.
pub fn random_token(len: usize, alphabet: &[u8]) -> String {
    let mut rng = rand::thread_rng();
    (0..len)
        .map(|_| alphabet[(rng.next_u32() as usize) % alphabet.len()] as char)
        .collect()
}

pub const UPPER_ALNUM: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
pub const MIXED_ALNUM: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789";

/// A generated console password: letters and digits, with at least one of each class.
pub fn random_password() -> String {
    format!("Pc{}7", random_token(14, MIXED_ALNUM))
}

pub fn sha256_hex(data: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(data))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_round_trip_and_wrong_key() {
        let k = MasterKey::generate();
        let s = k.seal("secret-123");
        assert_ne!(s, k.seal("secret-123"), "nonces differ");
        assert_eq!(k.open(&s).unwrap(), "secret-123");
        assert!(MasterKey::generate().open(&s).is_err());
        assert!(k.open("AAAA").is_err());
    }

    #[test]
    fn passwords() {
        let h = hash_password("Hunter2!").unwrap();
        assert!(verify_password("Hunter2!", &h));
        assert!(!verify_password("hunter2!", &h));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn a_rotating_key_opens_both_and_seals_with_the_new_one() {
        let (old, new) = (MasterKey::generate(), MasterKey::generate());
        let sealed_old = old.seal("secret");
        let rotating = new.clone().with_previous(&old);
        assert_eq!(rotating.open(&sealed_old).unwrap(), "secret");
        let resealed = rotating.seal("secret");
        assert_eq!(new.open(&resealed).unwrap(), "secret");
        assert!(old.open(&resealed).is_err());
        assert!(new.open(&sealed_old).is_err());
    }
}
