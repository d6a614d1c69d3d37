//! What every command group shares for talking to the person at the
//! terminal: JSON for scripts (`--json`), readable Chinese text for people
//! (amounts in 元, times in Beijing time), secrets read from standard input,
//! and local files read and written with a Chinese reason on failure.

use std::io::BufRead;
use std::path::Path;

use anyhow::{Context, bail};
use mca_domain::Timestamp;
use serde_json::Value;

/// Pretty-printed JSON on standard output (the `--json` form).
pub fn print(value: &Value) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

/// One line of standard input after `prompt` on standard error; empty is
/// refused.
pub fn read_secret(prompt: &str) -> anyhow::Result<String> {
    eprint!("{prompt}: ");
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("无法读取标准输入")?;
    let line = line.trim().to_owned();
    if line.is_empty() {
        bail!("未输入{prompt}");
    }
    Ok(line)
}

/// The given value, or one typed at the prompt.
pub fn given_or_read(given: Option<String>, prompt: &str) -> anyhow::Result<String> {
    match given {
        Some(value) => Ok(value),
        None => read_secret(prompt),
    }
}

/// A local file's bytes.
pub fn read_file(path: &Path) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("无法读取文件 {}", path.display()))
}

/// Writes a local file.
pub fn write_file(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    std::fs::write(path, bytes).with_context(|| format!("无法写入文件 {}", path.display()))
}

/// An amount in fen as 元 with two decimals: `30000` → `300.00 元`.
pub fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let fen = fen.unsigned_abs();
    format!("{sign}{}.{:02} 元", fen / 100, fen % 100)
}

/// An API time (RFC 3339) in Beijing time; anything else as it came, so
/// a surprising answer is still shown rather than hidden.
pub fn beijing(value: &Value) -> String {
    match value.as_str() {
        Some(text) => Timestamp::parse_rfc3339(text)
            .map(|t| t.beijing())
            .unwrap_or_else(|| text.to_owned()),
        None if value.is_null() => "—".to_owned(),
        None => value.to_string(),
    }
}

/// A string field of a JSON object, empty when missing.
pub fn str_of<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or_default()
}

/// Rows as a table: each column as wide as its widest cell, counting a
/// Chinese character as two columns, as terminals draw them.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let width = |s: &str| {
        s.chars()
            .map(|c| if c.is_ascii() { 1 } else { 2 })
            .sum::<usize>()
    };
    let mut widths: Vec<usize> = header.iter().map(|h| width(h)).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(width(cell));
        }
    }
    let line = |cells: Vec<&str>| {
        let mut out = String::new();
        for (i, (cell, w)) in cells.iter().zip(&widths).enumerate() {
            out.push_str(cell);
            if i + 1 < cells.len() {
                out.push_str(&" ".repeat(w - width(cell) + 2));
            }
        }
        out.push('\n');
        out
    };
    let mut out = line(header.to_vec());
    for row in rows {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_in_yuan_and_times_in_beijing() {
        assert_eq!(yuan(30_000), "300.00 元");
        assert_eq!(yuan(5), "0.05 元");
        assert_eq!(
            beijing(&Value::from("2026-11-24T16:30:00Z")),
            "2026-11-25 00:30:00"
        );
        assert_eq!(beijing(&Value::Null), "—");
    }

    #[test]
    fn table_columns_line_up_with_chinese_text() {
        let t = table(&["名称", "价格"], &[vec!["ZJCA".into(), "1".into()]]);
        assert_eq!(t, "名称  价格\nZJCA  1\n");
    }
}
