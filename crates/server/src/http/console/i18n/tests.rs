//! The console's translations are complete: every literal key has both languages.

use super::{t, Lang};

/// The keys the console's sources pass to `t` as string literals: `t(lang, "key")` and
/// `t(lang, if … { "a" } else { "b" })`. Keys built at run time (`&format!("status_{n}")`)
/// are checked by family in the tests that render them.
fn literal_keys(src: &str) -> Vec<String> {
    let mut keys = Vec::new();
    let b = src.as_bytes();
    let mut i = 0;
    while let Some(at) = src[i..].find("t(") {
        let start = i + at;
        i = start + 2;
        if start > 0 && (b[start - 1].is_ascii_alphanumeric() || b[start - 1] == b'_') {
            continue;
        }
        // The language argument: an identifier or a field path, then ", ".
        let rest = &src[i..];
        let Some(comma) = rest.find(", ") else {
            continue;
        };
        if !rest[..comma]
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'.')
        {
            continue;
        }
        let arg = &rest[comma + 2..];
        let end = arg.find(')').unwrap_or(arg.len());
        let arg = &arg[..end];
        if !(arg.starts_with('"') || arg.starts_with("if ")) {
            continue;
        }
        for (n, piece) in arg.split('"').enumerate() {
            if n % 2 == 1
                && !piece.is_empty()
                && piece
                    .bytes()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_')
            {
                keys.push(piece.to_string());
            }
        }
    }
    keys
}

fn sources(dir: &std::path::Path, out: &mut Vec<(String, String)>) {
    for e in std::fs::read_dir(dir).expect("console sources") {
        let p = e.expect("entry").path();
        if p.is_dir() {
            sources(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") && !p.ends_with("i18n/tests.rs") {
            let s = std::fs::read_to_string(&p).expect("source");
            // The code under test, not its tests (they name keys that need not exist): this
            // file is skipped, and inline test modules are cut off.
            let code = s.split("#[cfg(test)]").next().unwrap_or("").to_string();
            out.push((p.display().to_string(), code));
        }
    }
}

/// No console page can show `??`: every key a page passes as a literal has both languages.
#[test]
fn every_literal_key_has_both_languages() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/http");
    let mut files = Vec::new();
    sources(&dir, &mut files);
    let mut missing = Vec::new();
    let mut seen = 0;
    for (path, src) in &files {
        for k in literal_keys(src) {
            seen += 1;
            if t(Lang::Zh, &k) == "??" || t(Lang::En, &k) == "??" {
                missing.push(format!("{path}: {k}"));
            }
        }
    }
    assert!(
        seen > 500,
        "the scan found only {seen} keys: is it still reading the sources?"
    );
    assert!(
        missing.is_empty(),
        "keys without a translation:\n{}",
        missing.join("\n")
    );
}

#[test]
fn the_scan_reads_both_forms() {
    let src = r#"x(t(lang, "home")); t(c.lang, if a { "yes" } else { "no" }); not_t(lang, "zz")"#;
    assert_eq!(literal_keys(src), vec!["home", "yes", "no"]);
}

#[test]
fn invoice_statuses_have_labels() {
    for s in pc_domain::invoices::Status::ALL {
        assert_ne!(t(Lang::Zh, &format!("invoice_status_{}", s.code())), "??");
    }
}

/// Keys built at run time from an enum: every value of the enum has both languages.
#[test]
fn every_trade_type_has_both_languages() {
    use pc_domain::funds::TradeType;
    let all = TradeType::ALL.into_iter().chain(TradeType::CUSTOMER_ONLY);
    let missing: Vec<String> = all
        .map(|tt| format!("funds_tt_{}", tt.as_str()))
        .filter(|k| t(Lang::Zh, k) == "??" || t(Lang::En, k) == "??")
        .collect();
    assert!(
        missing.is_empty(),
        "trade types without both languages: {missing:?}"
    );
}
