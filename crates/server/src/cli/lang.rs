//! The command line's language: `--lang zh-CN|en-US`, else `PC_LANG`, else the locale
//! (`LC_ALL`, then `LANG`: `zh…` is Chinese), else English. Results and errors a person reads
//! follow it ([`tr`], [`super::fail`]); what a program reads (JSON, CSV, ids, keys) does not change.

use std::sync::OnceLock;

use crate::http::console::i18n::Lang;

static LANG: OnceLock<Lang> = OnceLock::new();

/// The language asked for: the flag (or `PC_LANG`, which clap reads into it), else the locale.
pub(crate) fn choose(flag: Option<&str>, lc_all: Option<&str>, lang: Option<&str>) -> Lang {
    let tag = |s: &str| {
        let s = s.trim().to_ascii_lowercase();
        if s.starts_with("zh") {
            Lang::Zh
        } else {
            Lang::En
        }
    };
    if let Some(f) = flag.filter(|f| !f.trim().is_empty()) {
        return tag(f);
    }
    // The locale: the first of LC_ALL and LANG that is set decides.
    match [lc_all, lang]
        .into_iter()
        .flatten()
        .find(|v| !v.trim().is_empty())
    {
        Some(l) => tag(l),
        None => Lang::En,
    }
}

/// Sets the command's language, once, from the flag and the environment.
pub(crate) fn init(flag: Option<&str>) {
    let env = |k: &str| std::env::var(k).ok();
    let _ = LANG.set(choose(
        flag,
        env("LC_ALL").as_deref(),
        env("LANG").as_deref(),
    ));
}

/// The command's language (English until [`init`]).
pub(crate) fn lang() -> Lang {
    LANG.get().copied().unwrap_or(Lang::En)
}

/// Whether the command speaks Chinese.
pub(crate) fn zh() -> bool {
    lang() == Lang::Zh
}

/// The Chinese or the English text, as the command's language says.
pub(crate) fn tr<'a>(zh_text: &'a str, en_text: &'a str) -> &'a str {
    if zh() {
        zh_text
    } else {
        en_text
    }
}

/// `println!` of the Chinese or the English line, as the command's language says:
/// `say!("已创建 {id}", "created {id}")`, arguments after the two texts as `println!` takes them.
macro_rules! say {
    ($zh:literal, $en:literal $(, $arg:expr)* $(,)?) => {
        if $crate::cli::lang::zh() {
            println!($zh $(, $arg)*)
        } else {
            println!($en $(, $arg)*)
        }
    };
}
pub(crate) use say;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_flag_then_the_locale_decide() {
        assert_eq!(choose(Some("zh-CN"), Some("en_US.UTF-8"), None), Lang::Zh);
        assert_eq!(choose(Some("en-US"), None, Some("zh_CN.UTF-8")), Lang::En);
        assert_eq!(choose(None, None, Some("zh_CN.UTF-8")), Lang::Zh);
        assert_eq!(choose(None, Some("C"), Some("zh_CN.UTF-8")), Lang::En);
        assert_eq!(choose(None, Some(""), Some("zh_TW")), Lang::Zh);
        assert_eq!(choose(Some(""), None, None), Lang::En);
        assert_eq!(choose(None, None, None), Lang::En);
    }
}
