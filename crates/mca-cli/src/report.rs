//! How `mca` reports a failure: one line on standard error, `mca: …`, in
//! Chinese like the API's problem titles, and a non-zero exit. Our own
//! contexts are written in Chinese; the operating system's and clap's
//! English is replaced here, since both are read by people at a terminal.

use clap::error::{ContextKind, ErrorKind};

/// The chain of causes joined on one line; file errors in Chinese.
pub fn one_line(e: &anyhow::Error) -> String {
    e.chain()
        .map(|cause| match cause.downcast_ref::<std::io::Error>() {
            Some(io) => mca_phone::io_reason(io),
            None => cause.to_string(),
        })
        .collect::<Vec<_>>()
        .join(": ")
        .replace('\n', " ")
}

/// A command line clap could not parse: help and version as usual, any
/// other mistake as one Chinese line (exit 2, clap's usage-error status).
pub fn usage_error(e: clap::Error) -> ! {
    if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion)
        || e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    {
        e.exit();
    }
    let context = |kind: ContextKind| e.get(kind).map(|v| v.to_string()).unwrap_or_default();
    let arg = context(ContextKind::InvalidArg);
    let reason = match e.kind() {
        ErrorKind::UnknownArgument => format!("未知参数 {arg}"),
        ErrorKind::InvalidSubcommand => {
            format!("未知命令 {}", context(ContextKind::InvalidSubcommand))
        }
        ErrorKind::MissingRequiredArgument => format!("缺少必需参数 {arg}"),
        ErrorKind::MissingSubcommand => "缺少子命令".to_owned(),
        ErrorKind::InvalidValue | ErrorKind::ValueValidation => format!(
            "参数 {arg} 的值 “{}” 无效{}",
            context(ContextKind::InvalidValue),
            match context(ContextKind::ValidValue) {
                v if v.is_empty() => String::new(),
                v => format!("（可选: {v}）"),
            }
        ),
        ErrorKind::ArgumentConflict => {
            format!(
                "参数 {arg} 不能与 {} 同时使用",
                context(ContextKind::PriorArg)
            )
        }
        ErrorKind::NoEquals
        | ErrorKind::TooManyValues
        | ErrorKind::TooFewValues
        | ErrorKind::WrongNumberOfValues => format!("参数 {arg} 的值个数不对"),
        _ => "命令行参数有误".to_owned(),
    };
    eprintln!("mca: {reason}（用 --help 查看用法）");
    std::process::exit(2);
}
