//! Scanned links: the relying party's animated QR frame
//! `mca://qr?t=<token>&s=<elapsed>&m=<mac>`, and the same-device form
//! `https://<server>/app/#/scan?link=<urlencoded mca:// link>` that a
//! platform page opens when the user is already on the phone.

use crate::CoreError;

const SAME_DEVICE_MARK: &str = "/app/#/scan?";

/// The canonical `mca://qr?…` link inside `text` (either form), checked
/// for shape (not for its MAC, which only the server can check). Anything
/// else is [`CoreError::Input`] with a Chinese reason.
pub fn parse_scan_link(text: &str) -> Result<String, CoreError> {
    let text = text.trim();
    let not_ours = || CoreError::Input("这不是移动证书的二维码".into());
    let link = if text.starts_with("mca://") {
        text.to_owned()
    } else if text.starts_with("https://") || text.starts_with("http://") {
        let (_, query) = text.split_once(SAME_DEVICE_MARK).ok_or_else(not_ours)?;
        let value = query
            .split('&')
            .find_map(|p| p.strip_prefix("link="))
            .ok_or_else(not_ours)?;
        percent_decode(value).ok_or_else(not_ours)?
    } else {
        return Err(not_ours());
    };
    mca_crypto::rp::QrLink::parse(&link).map_err(|_| not_ours())?;
    Ok(link)
}

/// Decodes `%XX` escapes (and `+` as a space, as forms encode it).
fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                let hex = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame() -> String {
        format!("mca://qr?t=abcdefghijklmnop&s=3&m={}", "ab".repeat(32))
    }

    #[test]
    fn qr_links_and_same_device_links() {
        let link = frame();
        assert_eq!(parse_scan_link(&link).unwrap(), link);
        assert_eq!(parse_scan_link(&format!("  {link}\n")).unwrap(), link);
        let encoded = link
            .replace(':', "%3A")
            .replace('/', "%2F")
            .replace('?', "%3F")
            .replace('=', "%3D")
            .replace('&', "%26");
        let same_device = format!("https://ca.example.cn/app/#/scan?link={encoded}");
        assert_eq!(parse_scan_link(&same_device).unwrap(), link);
        let lan = format!("https://192.168.1.5:8443/app/#/scan?from=rp&link={encoded}");
        assert_eq!(parse_scan_link(&lan).unwrap(), link);
    }

    #[test]
    fn other_links_are_refused() {
        let link = frame();
        for bad in [
            "https://example.com/",
            "https://ca.example.cn/app/#/scan?x=1",
            "https://ca.example.cn/app/#/scan?link=%ZZ",
            "mca://qr?t=short&s=1&m=00",
            "weixin://dl/scan",
            "",
        ] {
            assert_eq!(
                parse_scan_link(bad),
                Err(CoreError::Input("这不是移动证书的二维码".into())),
                "{bad}"
            );
        }
        // The inner link must be canonical too.
        let upper = link.replace("ab", "AB");
        assert!(parse_scan_link(&upper).is_err());
    }
}
