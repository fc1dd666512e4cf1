# Partner Center's container image (docs/deploy.md). Build: docker build -t partner-center .
# Run:   docker run -p 8080:8080 -v pc-data:/data partner-center
# The build runs the README's release build; crates/server/tests/deploy.rs checks that this file's
# commands, flags, variables and paths still match the code, so it cannot silently rot.

# --- builder: the release binary -------------------------------------------------------------
FROM rust:1.95-slim-trixie AS build
WORKDIR /src
# The workspace: its manifests and lock file, the three crates and the benchmark baseline (a
# workspace member, so --locked resolves the same graph as in the repository).
COPY Cargo.toml Cargo.lock ./
COPY crates ./crates
COPY bench/baseline ./bench/baseline
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked -p partner-center \
    && install -m 0755 target/release/partner-center /usr/local/bin/partner-center

# --- runtime: a small Debian with the binary, run as a user of its own -----------------------
FROM debian:trixie-slim
# curl only for the health check below.
RUN apt-get update \
    && apt-get install -y --no-install-recommends curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --user-group --home-dir /data --shell /usr/sbin/nologin partner-center \
    && mkdir -p /data \
    && chown partner-center:partner-center /data
COPY --from=build /usr/local/bin/partner-center /usr/local/bin/partner-center

# SQLite by default, in the volume; the generated master key lands beside it (/data/master.key).
# For PostgreSQL set PC_DATABASE_URL=postgres://… and PC_MASTER_KEY (compose.yaml).
ENV PC_DATABASE_URL=sqlite:///data/partner-center.db \
    PC_LISTEN=0.0.0.0:8080 \
    RUST_LOG=info
VOLUME ["/data"]
WORKDIR /data
USER partner-center
EXPOSE 8080
# /readyz answers 200 once the database answers (/healthz: the process alone).
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
    CMD ["curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1:8080/readyz"]
ENTRYPOINT ["/usr/local/bin/partner-center"]
CMD ["serve"]
