//! The console's routes, read from the router's own source (`src/http/console/*.rs`): every
//! `.route("PATH", get(…).post(…))` becomes one `(METHOD, PATH)` per method. The proof suite's
//! tenant matrix and form fuzzing are generated from this list, so a route added to the console
//! is in their scope without anyone remembering to list it.

use std::path::Path;

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct ConsoleRoute {
    pub method: &'static str,
    pub path: String,
    /// The source file that declares it.
    pub file: String,
}

pub fn console_routes() -> Vec<ConsoleRoute> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/http/console");
    let mut out = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .collect();
    files.sort();
    for f in files {
        let src = std::fs::read_to_string(&f).unwrap();
        // Join the source into one line so a `.route(` call split over several lines reads whole.
        let flat: String = src.split_whitespace().collect::<Vec<_>>().join(" ");
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        let mut rest = flat.as_str();
        while let Some(at) = rest.find(".route(") {
            rest = &rest[at + ".route(".len()..];
            let rest_trim = rest.trim_start();
            let Some(r) = rest_trim.strip_prefix('"') else {
                continue;
            };
            let Some(end) = r.find('"') else { break };
            let path = r[..end].to_string();
            // The method router runs to the call's closing parenthesis.
            let args = &r[end + 1..];
            let mut depth = 1usize;
            let mut stop = args.len();
            for (i, ch) in args.char_indices() {
                match ch {
                    '(' => depth += 1,
                    ')' => {
                        depth -= 1;
                        if depth == 0 {
                            stop = i;
                            break;
                        }
                    }
                    _ => {}
                }
            }
            let mr = &args[..stop];
            for (token, method) in [("get(", "GET"), ("post(", "POST")] {
                let hit = mr.match_indices(token).any(|(i, _)| {
                    i == 0 || !mr[..i].ends_with(|c: char| c.is_alphanumeric() || c == '_')
                });
                if hit {
                    out.push(ConsoleRoute {
                        method,
                        path: path.clone(),
                        file: name.clone(),
                    });
                }
            }
        }
    }
    out.sort();
    out.dedup();
    out
}
