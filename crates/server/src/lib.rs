//! The `partner-center` server: HTTP adapters (vendor API, console), configuration and the CLI.

pub mod cli;
pub mod config;
pub mod http;
pub mod state;
