use std::process::ExitCode;

/// mimalloc instead of the C library's allocator (decision 0011): a signed list call makes a few
/// hundred small allocations (the request, its rows, the JSON), and glibc's malloc and free were
/// 14% of the server's time in the P1 profile.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    partner_center::cli::run(partner_center::cli::parse()).await
}
