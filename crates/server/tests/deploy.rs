//! The deployment files cannot silently rot (docs/deploy.md): with no container tool on the CI
//! machine, the `Dockerfile`, `compose.yaml` and `deploy/partner-center.service` are checked
//! against the code instead of built. The Dockerfile's build is the README's release build of the
//! package and binary that exist, it copies what the workspace needs (and `.dockerignore` keeps
//! it), its Rust is recent enough and its runtime the builder's Debian; every `PC_…` variable
//! these files set and every command and flag they or docs/deploy.md's examples run is one the
//! binary has (`--help`); and the image's command, run outside a container with the image's
//! environment, serves its health check on the exposed port with the database and the master
//! key in the data volume. `scripts/test.sh` builds the image too where `docker` works.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use common::spawn::{free_port, Conn, BIN};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn read(path: &str) -> String {
    std::fs::read_to_string(repo().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// `partner-center ARGS --help`.
fn help(args: &[&str]) -> String {
    let out = Command::new(BIN).args(args).arg("--help").output().unwrap();
    assert!(out.status.success(), "{args:?} --help");
    String::from_utf8(out.stdout).unwrap()
}

/// The subcommands a help text lists.
fn commands(help: &str) -> Vec<String> {
    let Some(at) = help.find("Commands:\n") else {
        return Vec::new();
    };
    help[at + 10..]
        .lines()
        .take_while(|l| !l.trim().is_empty())
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect()
}

/// The long flags a help text lists.
fn flags(help: &str) -> Vec<String> {
    help.split_whitespace()
        .filter(|w| w.starts_with("--"))
        .map(|w| {
            w.trim_end_matches(|c: char| !c.is_ascii_alphanumeric())
                .to_string()
        })
        .collect()
}

/// Whether the binary reads this environment variable (clap's `[env: NAME=…]`).
fn reads_env(name: &str) -> bool {
    let all = format!("{}{}", help(&[]), help(&["serve"]));
    all.contains(&format!("[env: {name}=")) || all.contains(&format!("[env: {name}]"))
}

/// Checks one `partner-center …` command line: its subcommands exist, then its flags.
fn check_command(line: &str, whence: &str) {
    let mut path: Vec<&str> = Vec::new();
    let mut words = line.split_whitespace().peekable();
    while let Some(w) = words.peek() {
        let known = commands(&help(&path));
        if known.iter().any(|c| c == w) {
            path.push(w);
            words.next();
        } else {
            break;
        }
    }
    assert!(
        !path.is_empty(),
        "{whence}: `partner-center {line}` names no command of the binary"
    );
    let known = flags(&help(&path));
    for w in words.filter(|w| w.starts_with("--")) {
        let flag = w.split('=').next().unwrap();
        assert!(
            known.iter().any(|f| f == flag),
            "{whence}: `partner-center {line}`: {flag} is not a flag of `{}`",
            path.join(" ")
        );
    }
}

/// The text after the last `partner-center ` on a line that runs it (a path or a word before it).
fn invocation(line: &str) -> Option<&str> {
    let at = line.rfind("partner-center ")?;
    let before = line[..at].chars().last();
    if before.is_some_and(|c| !(c == ' ' || c == '/' || c == '`' || c == '"')) {
        return None;
    }
    let rest = line[at + 15..].trim();
    let first = rest.split_whitespace().next()?;
    (first.starts_with(|c: char| c.is_ascii_lowercase())
        && first.chars().all(|c| c.is_ascii_lowercase() || c == '-'))
    .then_some(rest.trim_end_matches(['`', '"', '\\']).trim())
}

/// Dockerfile instructions, continuation lines joined, comments dropped.
fn instructions(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for line in text.lines() {
        let t = line.trim();
        if t.starts_with('#') || (t.is_empty() && cur.is_empty()) {
            continue;
        }
        if let Some(part) = t.strip_suffix('\\') {
            cur.push_str(part);
            cur.push(' ');
            continue;
        }
        cur.push_str(t);
        let (instr, args) = cur.split_once(' ').unwrap_or((&cur, ""));
        out.push((instr.to_ascii_uppercase(), args.trim().to_string()));
        cur.clear();
    }
    out
}

/// A JSON-array instruction argument (`["a", "b"]`).
fn exec_form(args: &str) -> Vec<String> {
    serde_json::from_str(args).unwrap_or_else(|e| panic!("not an exec form ({e}): {args}"))
}

/// `KEY=value` pairs of ENV instructions.
fn env_pairs(args: &str) -> Vec<(String, String)> {
    args.split_whitespace()
        .map(|kv| {
            let (k, v) = kv.split_once('=').expect("ENV KEY=value");
            (k.to_string(), v.to_string())
        })
        .collect()
}

const BUILD: &str = "cargo build --release --locked -p partner-center";

#[tokio::test]
async fn the_dockerfile_builds_and_runs_what_the_repository_has() {
    let docker = read("Dockerfile");
    let steps = instructions(&docker);
    let froms: Vec<&String> = steps
        .iter()
        .filter(|(i, _)| i == "FROM")
        .map(|(_, a)| a)
        .collect();
    assert_eq!(froms.len(), 2, "a builder stage and a runtime stage");
    // The builder: Rust at least the workspace's rust-version, on the runtime's Debian release.
    let builder = froms[0].split_whitespace().next().unwrap();
    let tag = builder
        .strip_prefix("rust:")
        .expect("the builder is rust:…");
    let version = tag.split('-').next().unwrap();
    let minor = |v: &str| -> u32 { v.split('.').nth(1).unwrap().parse().unwrap() };
    let manifest = read("Cargo.toml");
    let wanted = manifest
        .lines()
        .find_map(|l| l.strip_prefix("rust-version = "))
        .unwrap()
        .trim_matches('"');
    assert!(minor(version) >= minor(wanted), "{builder} < {wanted}");
    let release = tag.rsplit('-').next().unwrap();
    assert_eq!(
        froms[1].as_str(),
        format!("debian:{release}-slim"),
        "the runtime runs the builder's Debian release (its glibc)"
    );
    // The build: the README's command, of the package and binary the server crate declares.
    let runs: Vec<&String> = steps
        .iter()
        .filter(|(i, _)| i == "RUN")
        .map(|(_, a)| a)
        .collect();
    assert!(runs.iter().any(|r| r.contains(BUILD)), "{BUILD} in a RUN");
    assert!(
        read("README.md").contains(BUILD),
        "the README builds the same way"
    );
    assert!(read("docs/deploy.md").contains(BUILD));
    let server = read("crates/server/Cargo.toml");
    assert!(server.contains("name = \"partner-center\"\nversion"));
    assert!(server.contains("[[bin]]\nname = \"partner-center\""));
    assert!(runs
        .iter()
        .any(|r| r.contains("target/release/partner-center /usr/local/bin/partner-center")));
    // What it copies exists, covers every workspace member, and is not in .dockerignore.
    let ignored: Vec<String> = read(".dockerignore")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| l.trim_end_matches('/').to_string())
        .collect();
    let mut copied = Vec::new();
    for (_, args) in steps.iter().filter(|(i, _)| i == "COPY") {
        if args.starts_with("--from=") {
            continue;
        }
        let parts: Vec<&str> = args.split_whitespace().collect();
        for src in &parts[..parts.len() - 1] {
            assert!(
                repo().join(src).exists(),
                "COPY {src}: not in the repository"
            );
            assert!(
                !ignored
                    .iter()
                    .any(|i| *src == i || src.starts_with(&format!("{i}/"))),
                "COPY {src}: excluded by .dockerignore"
            );
            copied.push(src.to_string());
        }
    }
    for need in ["Cargo.toml", "Cargo.lock"] {
        assert!(copied.iter().any(|c| c == need), "COPY {need}");
    }
    let members = &manifest[manifest.find("members = [").unwrap()..];
    let members = &members[..members.find(']').unwrap()];
    for m in members.split('"').skip(1).step_by(2) {
        assert!(
            copied
                .iter()
                .any(|c| m == c || m.starts_with(&format!("{c}/"))),
            "workspace member {m} is not copied into the builder"
        );
    }
    // The runtime: a user of its own, a data volume, the port, the health check.
    let get = |name: &str| -> Vec<&String> {
        steps
            .iter()
            .filter(|(i, _)| i == name)
            .map(|(_, a)| a)
            .collect()
    };
    let user = get("USER")[0].as_str();
    assert!(!["root", "0"].contains(&user), "USER {user}");
    assert!(runs
        .iter()
        .any(|r| r.contains("useradd") && r.contains(user)));
    let volume = exec_form(get("VOLUME")[0]);
    assert_eq!(volume, ["/data"]);
    let env: BTreeMap<String, String> = get("ENV").iter().flat_map(|a| env_pairs(a)).collect();
    for k in env.keys().filter(|k| k.starts_with("PC_")) {
        assert!(reads_env(k), "ENV {k}: the binary reads no such variable");
    }
    let database = &env["PC_DATABASE_URL"];
    assert!(database.starts_with("sqlite:///data/"), "{database}");
    let port = env["PC_LISTEN"].rsplit(':').next().unwrap().to_string();
    assert_eq!(get("EXPOSE")[0].as_str(), port);
    let check = get("HEALTHCHECK")[0];
    let probe = exec_form(&check[check.find("CMD").unwrap() + 3..]);
    let url = probe.last().unwrap();
    let path = url
        .strip_prefix(&format!("http://127.0.0.1:{port}"))
        .unwrap_or_else(|| panic!("the health check asks port {port}: {url}"));
    assert!(["/readyz", "/healthz"].contains(&path), "{path}");
    assert!(
        runs.iter().any(|r| r.contains(&probe[0])),
        "{} installed",
        probe[0]
    );
    // The command: the installed binary and a subcommand and flags it has.
    let entry = exec_form(get("ENTRYPOINT")[0]);
    let cmd = exec_form(get("CMD")[0]);
    assert_eq!(entry, ["/usr/local/bin/partner-center"]);
    check_command(&cmd.join(" "), "Dockerfile CMD");

    // Run it as the image would: the image's environment, its data volume a folder here, and
    // the health check's request answered.
    let data = std::env::temp_dir().join(format!(
        "pc-deploy-{}-{}",
        std::process::id(),
        pc_domain::ids::random_hex(4)
    ));
    std::fs::create_dir_all(&data).unwrap();
    let here = free_port();
    let mut child = Command::new(BIN);
    child.args(&cmd).current_dir(&data).env_clear();
    for (k, v) in &env {
        let v = v
            .replace("/data", &data.display().to_string())
            .replace(&format!(":{port}"), &format!(":{here}"));
        child.env(k, v);
    }
    let mut child = child
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut conn = Conn::new(here);
    let mut status = None;
    for _ in 0..400 {
        let req = axum::http::Request::get(path)
            .body(axum::body::Body::empty())
            .unwrap();
        if let Some((s, _)) = conn.send(req).await {
            status = Some(s);
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(status, Some(200), "the image's command answers {path}");
    let db_file = database.strip_prefix("sqlite:///data/").unwrap();
    assert!(
        data.join(db_file).is_file(),
        "the database is in the volume"
    );
    assert!(
        data.join("master.key").is_file(),
        "the master key is in the volume"
    );
    let _ = std::fs::remove_dir_all(&data);
}

#[test]
fn compose_runs_the_image_on_a_healthy_postgresql_15() {
    let compose = read("compose.yaml");
    assert!(compose.contains("image: postgres:15\n"));
    assert!(compose.contains("healthcheck:") && compose.contains("pg_isready"));
    assert!(compose.contains("condition: service_healthy"));
    assert!(compose.contains("build: .\n") && repo().join("Dockerfile").is_file());
    assert!(compose.contains("pgdata:/var/lib/postgresql/data"));
    let vars: Vec<(&str, &str)> = compose
        .lines()
        .filter_map(|l| l.trim().split_once(": "))
        .filter(|(k, _)| k.starts_with("PC_"))
        .collect();
    for (k, _) in &vars {
        assert!(
            reads_env(k),
            "compose.yaml {k}: the binary reads no such variable"
        );
    }
    let db = vars
        .iter()
        .find(|(k, _)| *k == "PC_DATABASE_URL")
        .unwrap()
        .1;
    assert!(
        db.starts_with("postgres://") && db.contains("@postgres:5432/"),
        "{db}"
    );
    assert!(vars.iter().any(|(k, _)| *k == "PC_MASTER_KEY"));
    // The port the image exposes.
    let exposed = instructions(&read("Dockerfile"))
        .into_iter()
        .find(|(i, _)| i == "EXPOSE")
        .unwrap()
        .1;
    assert!(
        compose.contains(&format!(":{exposed}\"")),
        "ports map {exposed}"
    );
    for line in compose.lines().filter(|l| l.starts_with("#   ")) {
        if let Some(c) = invocation(line) {
            check_command(c, "compose.yaml");
        }
    }
}

#[test]
fn the_systemd_unit_runs_a_command_the_binary_has() {
    let unit = read("deploy/partner-center.service");
    let value = |key: &str| -> Vec<&str> {
        unit.lines()
            .filter_map(|l| l.strip_prefix(&format!("{key}=")))
            .collect()
    };
    let exec = value("ExecStart")[0];
    let c = invocation(exec).expect("ExecStart runs partner-center");
    check_command(c, "ExecStart");
    let user = value("User")[0];
    assert!(!user.is_empty() && user != "root");
    assert_eq!(value("Restart"), ["on-failure"]);
    let state = value("StateDirectory")[0];
    for e in value("Environment") {
        let (k, v) = e.split_once('=').unwrap();
        assert!(
            reads_env(k),
            "Environment={k}: the binary reads no such variable"
        );
        if k == "PC_DATABASE_URL" {
            assert!(v.starts_with(&format!("sqlite:///var/lib/{state}/")), "{v}");
        }
    }
    for hardening in [
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
        "PrivateTmp=yes",
    ] {
        assert!(unit.contains(hardening), "{hardening}");
    }
    // The commands its comments show (indented), not its prose.
    for line in unit.lines().filter(|l| l.starts_with("#   ")) {
        if let Some(c) = invocation(line) {
            check_command(c, "the unit's comments");
        }
    }
    // Where systemd's own checker is installed, it accepts the unit (the binary path replaced
    // by this build's).
    if Command::new("systemd-analyze")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
    {
        let dir = std::env::temp_dir().join(format!("pc-unit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let copy = dir.join("partner-center.service");
        std::fs::write(&copy, unit.replace("/usr/local/bin/partner-center", BIN)).unwrap();
        let out = Command::new("systemd-analyze")
            .arg("verify")
            .arg(&copy)
            .output()
            .unwrap();
        let said = String::from_utf8_lossy(&out.stderr).into_owned();
        let _ = std::fs::remove_dir_all(&dir);
        assert!(out.status.success() && said.trim().is_empty(), "{said}");
    }
}

#[test]
fn the_deployment_guide_runs_commands_the_binary_has() {
    let guide = read("docs/deploy.md");
    let mut in_code = false;
    let mut checked = 0;
    for line in guide.lines() {
        if line.trim_start().starts_with("```") {
            in_code = !in_code;
            continue;
        }
        let spans: Vec<&str> = if in_code {
            vec![line]
        } else {
            line.split('`').skip(1).step_by(2).collect()
        };
        for s in spans {
            if let Some(c) = invocation(&format!(" {s}")) {
                check_command(c, "docs/deploy.md");
                checked += 1;
            }
        }
    }
    assert!(
        checked >= 10,
        "only {checked} commands found in docs/deploy.md"
    );
    for word in [
        "--public-url",
        "--secure-cookies",
        "backup --to",
        "pg_dump",
        "reseal-secrets",
    ] {
        assert!(
            guide.contains(word),
            "docs/deploy.md says nothing of {word}"
        );
    }
    assert!(read("README.md").contains("docs/deploy.md"));
}

#[test]
fn a_bad_public_url_stops_serve_with_a_clear_message() {
    for (url, why) in [
        ("pc.example.com", "absolute"),
        ("https://pc.example.com/?a=1", "query"),
        ("https://pc.example.com/#x", "fragment"),
        ("https://pc.example.com/pc", "path"),
    ] {
        let dir = std::env::temp_dir().join(format!(
            "pc-puburl-{}-{}",
            std::process::id(),
            pc_domain::ids::random_hex(4)
        ));
        let out = Command::new(BIN)
            .env("PC_LANG", "en-US") // messages in English, whatever the locale
            .args(["serve", "--public-url", url, "--listen", "127.0.0.1:1"])
            .args(["--database", &format!("sqlite://{}/pc.db", dir.display())])
            .output()
            .unwrap();
        let said = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{url}: {said}");
        assert!(
            said.contains("--public-url") && said.contains(why),
            "{url}: {said}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn a_time_zone_not_in_the_table_stops_serve_with_the_zones_it_takes() {
    for zone in ["Mars/Olympus", "Europe/London"] {
        let dir = std::env::temp_dir().join(format!(
            "pc-tz-{}-{}",
            std::process::id(),
            pc_domain::ids::random_hex(4)
        ));
        let out = Command::new(BIN)
            .env("PC_LANG", "en-US") // messages in English, whatever the locale
            .args(["serve", "--time-zone", zone, "--listen", "127.0.0.1:1"])
            .args(["--database", &format!("sqlite://{}/pc.db", dir.display())])
            .output()
            .unwrap();
        let said = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{zone}: {said}");
        assert!(
            said.contains("--time-zone") && said.contains(zone) && said.contains("Asia/Shanghai"),
            "{zone}: {said}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
