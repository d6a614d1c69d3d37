//! Money on the form: fen as yuan with two decimals, and the same amount in
//! Chinese capital numerals (大写金额), which Chinese forms print next to
//! the figures so that neither can be altered alone.

const DIGITS: [&str; 10] = ["零", "壹", "贰", "叁", "肆", "伍", "陆", "柒", "捌", "玖"];

/// `fen` as yuan, e.g. `30000` → `"300.00"`.
pub(crate) fn yuan(fen: u64) -> String {
    format!("{}.{:02}", fen / 100, fen % 100)
}

/// `fen` in capital numerals, e.g. `30050` → `"叁佰元伍角"`, `30000` →
/// `"叁佰元整"`, `1_000_005` → `"壹万元零伍分"`.
pub(crate) fn capital(fen: u64) -> String {
    let (yuan, jiao, fen) = (fen / 100, (fen / 10 % 10) as usize, (fen % 10) as usize);
    let mut out = String::new();
    if yuan > 0 {
        out.push_str(&integer(yuan));
        out.push('元');
    }
    if jiao > 0 {
        out.push_str(DIGITS[jiao]);
        out.push('角');
    }
    if fen > 0 {
        if jiao == 0 && yuan > 0 {
            out.push('零');
        }
        out.push_str(DIGITS[fen]);
        out.push('分');
    }
    if out.is_empty() {
        out.push_str("零元");
    }
    if fen == 0 && jiao == 0 {
        out.push('整');
    }
    out
}

/// A positive integer in capital numerals, grouped by 万 and 亿.
fn integer(n: u64) -> String {
    const GROUPS: [&str; 5] = ["", "万", "亿", "万亿", "亿亿"];
    let mut groups = Vec::new();
    let mut rest = n;
    while rest > 0 {
        groups.push((rest % 10_000) as u16);
        rest /= 10_000;
    }
    let mut out = String::new();
    let mut zero_pending = false;
    for (i, &group) in groups.iter().enumerate().rev() {
        if group == 0 {
            zero_pending = !out.is_empty();
            continue;
        }
        // A gap before this group (a zero group, or a group without its
        // thousands digit) is read as one 零.
        if !out.is_empty() && (zero_pending || group < 1000) {
            out.push('零');
        }
        out.push_str(&group_of_four(group));
        out.push_str(GROUPS[i]);
        zero_pending = false;
    }
    out
}

/// 1..=9999 in capital numerals, inner zeros read once.
fn group_of_four(n: u16) -> String {
    const UNITS: [&str; 4] = ["", "拾", "佰", "仟"];
    let mut out = String::new();
    let mut zero_pending = false;
    for pos in (0..4).rev() {
        let digit = (n / 10u16.pow(pos as u32) % 10) as usize;
        if digit == 0 {
            zero_pending = !out.is_empty();
            continue;
        }
        if zero_pending {
            out.push('零');
            zero_pending = false;
        }
        out.push_str(DIGITS[digit]);
        out.push_str(UNITS[pos]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yuan_has_two_decimals() {
        assert_eq!(yuan(0), "0.00");
        assert_eq!(yuan(5), "0.05");
        assert_eq!(yuan(30_050), "300.50");
    }

    #[test]
    fn capital_numerals_follow_the_banking_rules() {
        for (fen, text) in [
            (0, "零元整"),
            (5, "伍分"),
            (50, "伍角"),
            (55, "伍角伍分"),
            (100, "壹元整"),
            (1_500, "壹拾伍元整"),
            (30_000, "叁佰元整"),
            (30_050, "叁佰元伍角"),
            (30_005, "叁佰元零伍分"),
            (100_500, "壹仟零伍元整"),
            (101_000, "壹仟零壹拾元整"),
            (1_001_000, "壹万零壹拾元整"),
            (10_000_000, "壹拾万元整"),
            (100_010_000, "壹佰万零壹佰元整"),
            (1_200_000_000, "壹仟贰佰万元整"),
            (10_000_000_100, "壹亿零壹元整"),
            (10_010_000_000, "壹亿零壹拾万元整"),
        ] {
            assert_eq!(capital(fen), text, "{fen}");
        }
    }
}
