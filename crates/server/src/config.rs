//! Configuration: defaults → optional TOML file (`--config` / `PC_CONFIG`) → `PC_…` environment
//! variables → command-line flags (docs/ARCHITECTURE.md, Conventions). Flags and variables are read by clap; the file
//! fills whatever they leave unset.

use std::path::PathBuf;

use serde::Deserialize;

pub const DEFAULT_DATABASE: &str = "sqlite://./data/partner-center.db";
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

/// What the TOML file may set. Every key is optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub listen: Option<String>,
    pub database: Option<String>,
    pub db_pool: Option<u32>,
    pub master_key: Option<String>,
    pub master_key_file: Option<PathBuf>,
    pub previous_master_key: Option<String>,
    pub signature_window_secs: Option<i64>,
    pub log_json: Option<bool>,
    pub secure_cookies: Option<bool>,
    pub strict_replay: Option<bool>,
    pub public_url: Option<String>,
}

impl FileConfig {
    pub fn load(path: Option<&PathBuf>) -> Result<FileConfig, String> {
        match path {
            None => Ok(FileConfig::default()),
            Some(p) => {
                let text = std::fs::read_to_string(p)
                    .map_err(|e| format!("cannot read config file {}: {e}", p.display()))?;
                toml::from_str(&text)
                    .map_err(|e| format!("invalid config file {}: {e}", p.display()))
            }
        }
    }
}

/// The settings the running server uses.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Allowed difference between `X-Sdk-Date` and the server clock (the vendor gateway: 15 min).
    pub signature_window_secs: i64,
    /// Mark the session cookie `Secure` (set when served over HTTPS).
    pub secure_cookies: bool,
    /// Largest accepted request body.
    pub body_limit: usize,
    /// Refuse a write whose signature was already used inside the window (docs/ARCHITECTURE.md, Security, opt-in).
    pub strict_replay: bool,
    /// The deployment's public base URL (`--public-url`, checked by
    /// `pc_domain::redirects::parse_base_url`: `https://pc.example.com`, no trailing `/`): every
    /// link that leaves the server starts with it. `None`: links follow the request's `Host`.
    pub public_url: Option<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            signature_window_secs: 900,
            secure_cookies: false,
            body_limit: 1 << 20,
            strict_replay: false,
            public_url: None,
        }
    }
}

/// Where the master key lives when none is configured: beside an SQLite database file, else
/// `./data/master.key`.
pub fn default_master_key_file(database_url: &str) -> PathBuf {
    if let Some(rest) = database_url
        .strip_prefix("sqlite://")
        .or_else(|| database_url.strip_prefix("sqlite:"))
    {
        let path = rest.split('?').next().unwrap_or("");
        if let Some(dir) = std::path::Path::new(path).parent() {
            return dir.join("master.key");
        }
    }
    PathBuf::from("./data/master.key")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_file_sits_beside_sqlite() {
        assert_eq!(
            default_master_key_file("sqlite://./data/pc.db"),
            PathBuf::from("./data/master.key")
        );
        assert_eq!(
            default_master_key_file("sqlite:///tmp/x/pc.db?mode=rwc"),
            PathBuf::from("/tmp/x/master.key")
        );
        assert_eq!(
            default_master_key_file("postgres://h/db"),
            PathBuf::from("./data/master.key")
        );
    }

    #[test]
    fn unknown_keys_are_refused() {
        assert!(toml::from_str::<FileConfig>("listen = \"1.2.3.4:1\"").is_ok());
        assert!(toml::from_str::<FileConfig>("lisen = 1").is_err());
    }
}
