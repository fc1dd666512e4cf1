use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    partner_center::cli::run(partner_center::cli::parse()).await
}
