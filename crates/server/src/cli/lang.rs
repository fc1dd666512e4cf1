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

/// The language a command line asks for before it is parsed (for its help): `--lang X` or
/// `--lang=X` among the arguments, else `PC_LANG`, else the locale.
pub(crate) fn init_from_args(args: &[std::ffi::OsString]) {
    let mut flag = None;
    let mut it = args.iter().map(|a| a.to_string_lossy());
    while let Some(a) = it.next() {
        if a == "--lang" {
            flag = it.next().map(|v| v.into_owned());
        } else if let Some(v) = a.strip_prefix("--lang=") {
            flag = Some(v.to_string());
        }
    }
    let flag = flag.or_else(|| std::env::var("PC_LANG").ok());
    init(flag.as_deref());
}

/// The command's Chinese one-line summaries, `(path of subcommand names, summary)`; `--help`
/// shows them when the command speaks Chinese (the options' own help stays in English).
const ZH_SUMMARIES: &[(&[&str], &str)] = &[
    (&[], "伙伴中心：可自托管、兼容 BSS 接口的伙伴中心"),
    (
        &["serve"],
        "迁移数据库，然后提供 API、控制台、/healthz、/readyz、/metrics 和 /openapi.json",
    ),
    (&["migrate"], "执行数据库迁移后退出"),
    (
        &["verify"],
        "从账本重新推导全部余额并检查不变式；有违规时以非零状态退出",
    ),
    (
        &["backup"],
        "在服务运行时把 SQLite 数据库复制到 FILE（PostgreSQL 请用 pg_dump）；备份不含主密钥",
    ),
    (&["outbox"], "显示通知发件箱的最新消息"),
    (&["admin"], "管理"),
    (&["jobs"], "后台任务，运行一次（用 cron 或定时器调度）"),
    (&["usage"], "来自部署计量的按需用量"),
    (
        &["usage", "import"],
        "检查并导入用量文件（带表头的 CSV 或 JSON lines）；有错误行时不导入任何行",
    ),
    (&["usage", "check"], "只检查用量文件，不导入"),
    (
        &["jobs", "run"],
        "立即运行一个任务：coupon-expiry、order-expiry、subscription-renewal 或 bill-close",
    ),
    (
        &["admin", "clock"],
        "以 serve --test-clock 启动的服务的可移动时钟（仅用于预发布和测试）",
    ),
    (&["admin", "clock", "show"], "打印测试时钟的时间和偏移"),
    (
        &["admin", "clock", "set"],
        "把测试时钟设为某个 UTC 时间（2027-01-01T00:00:00Z）",
    ),
    (
        &["admin", "clock", "advance"],
        "把测试时钟移动一段时长：3d、12h、90m、30s；负数向回移（-1d）",
    ),
    (&["admin", "clock", "reset"], "让测试时钟回到系统时间"),
    (&["admin", "create-operator"], "创建运营人员控制台账号"),
    (
        &["admin", "create-operator-key"],
        "为运营人员创建原生 API 访问密钥；密钥仅显示一次",
    ),
    (
        &["admin", "create-partner"],
        "创建伙伴及其控制台管理员账号和一个访问密钥",
    ),
    (&["admin", "create-staff"], "为伙伴创建只读员工控制台账号"),
    (
        &["admin", "create-customer"],
        "创建关联到伙伴的客户，含控制台账号和访问密钥",
    ),
    (
        &["admin", "update-partner"],
        "修改伙伴的状态（active | restricted）或联系方式",
    ),
    (&["admin", "credit-partner"], "从外部向伙伴账户入账"),
    (
        &["admin", "list-products"],
        "列出目录中的产品（含已下架的）及其价格",
    ),
    (
        &["admin", "place-order"],
        "像控制台一样为客户下一笔待支付的新购订单",
    ),
    (
        &["admin", "partner-balances"],
        "列出每个伙伴的现金余额（新伙伴在前）及合计",
    ),
    (
        &["admin", "grant-quota"],
        "向伙伴发放优惠券额度：voucher（代金券额度）或 cash（现金券额度）",
    ),
    (
        &["admin", "grant-discount"],
        "伙伴为其客户授予折扣（一个产品或全部产品），不低于运营设定的下限",
    ),
    (
        &["admin", "create-promotion"],
        "运营促销（折扣类型 0），面向所有客户，自现在起持续 --days 天",
    ),
    (
        &["admin", "adjust-order"],
        "运营人员为待支付订单减价（元，价格调整 609）",
    ),
    (
        &["admin", "new-master-key"],
        "打印新的随机主密钥（64 位十六进制），用于轮换",
    ),
    (
        &["admin", "reseal-secrets"],
        "用主密钥重新封存所有已存的密钥：轮换的第二步",
    ),
];

/// The command's help in its language: in Chinese, [`ZH_SUMMARIES`] replace the summaries.
pub(crate) fn localize(cmd: clap::Command) -> clap::Command {
    if !zh() {
        return cmd;
    }
    fn set(cmd: clap::Command, path: &[&str], text: &'static str) -> clap::Command {
        match path.split_first() {
            None => cmd.about(text).long_about(None),
            Some((first, rest)) => cmd.mut_subcommand(*first, |s| set(s, rest, text)),
        }
    }
    ZH_SUMMARIES
        .iter()
        .fold(cmd, |cmd, (path, text)| set(cmd, path, text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_chinese_summary_names_a_command() {
        use clap::CommandFactory;
        let cmd = super::super::Cli::command();
        for (path, _) in ZH_SUMMARIES {
            let mut c = &cmd;
            for name in *path {
                c = c
                    .find_subcommand(name)
                    .unwrap_or_else(|| panic!("no command {path:?}"));
            }
        }
    }

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
