use std::process::ExitCode;

use clap::Parser;

#[tokio::main]
async fn main() -> ExitCode {
    partner_center::cli::run(partner_center::cli::Cli::parse()).await
}
