//! The animated QR code, on the relying party's back end: one frame per
//! second from the session's QR secret, and the JSON the browser widget
//! (`web/widget/mca-qr.js`) polls for. The secret stays here; the browser
//! only ever sees finished frames.

use mca_crypto::rp::QrLink;
use serde_json::{Value, json};

use crate::secret::QrSecret;
use crate::sessions::{Created, SessionState, SessionView};
use crate::time::unix_now;
use crate::{Error, Result};

/// The frame maker of one session.
///
/// `created_at` is when *this* back end received the session (unix
/// seconds): Mobile CA accepts a frame from 2 s ahead to 5 s behind its
/// own count, and counting from a slightly later instant only makes frames
/// look a little older, never ahead. Every back-end instance serving the
/// same session must use the same `created_at` (store it with the secret).
#[derive(Clone, Debug)]
pub struct QrFrames {
    public_token: String,
    secret: QrSecret,
    created_at: i64,
}

impl QrFrames {
    /// Frames for `public_token` under `secret`, counting from `created_at`.
    pub fn new(public_token: &str, secret: QrSecret, created_at: i64) -> Result<Self> {
        // Fails only for a token outside 16–64 URL-safe characters.
        QrLink::new(secret.expose(), public_token, 0)
            .map_err(|_| Error::InvalidInput("public token"))?;
        Ok(QrFrames {
            public_token: public_token.to_owned(),
            secret,
            created_at,
        })
    }

    /// The frame for the second `now` (unix seconds); a `now` before
    /// `created_at` gives frame 0.
    pub fn frame_at(&self, now: i64) -> QrLink {
        let elapsed = u64::try_from(now.saturating_sub(self.created_at)).unwrap_or(0);
        QrLink::new(self.secret.expose(), &self.public_token, elapsed)
            .expect("the token was checked when the frames were made")
    }

    /// The frame for this second.
    pub fn current(&self) -> QrLink {
        self.frame_at(unix_now())
    }

    /// When counting started (unix seconds).
    pub fn created_at(&self) -> i64 {
        self.created_at
    }
}

impl Created {
    /// The QR frames of this session, counting from [`Created::received_at`]
    /// (here, not in `sessions`, so the session types need nothing of the
    /// frame maker).
    pub fn frames(&self) -> Result<QrFrames> {
        QrFrames::new(&self.public_token, self.qr_secret.clone(), self.received_at)
    }
}

/// The JSON the widget expects from its `frameUrl` (serve it with
/// `Cache-Control: no-store`): `state`, the current `link` while the
/// session waits for a scan, the `result` once complete, and Mobile CA's
/// hint as `hint` (code) and `hint_text` (简体中文).
pub fn widget_frame(view: &SessionView, frames: &QrFrames, now: i64) -> Value {
    let mut out = json!({ "state": view.state.as_str() });
    match view.state {
        SessionState::Created => {
            out["link"] = Value::String(frames.frame_at(now).to_string());
        }
        SessionState::Complete => {
            let result = view
                .result
                .and_then(|r| r.as_str())
                .map(str::to_owned)
                // A result newer than this SDK: pass the server's code on,
                // the widget shows its generic "操作已结束".
                .or_else(|| view.hint.as_ref().map(|h| h.code.clone()))
                .unwrap_or_else(|| "protocol_failure".to_owned());
            out["result"] = Value::String(result);
        }
        SessionState::Scanned | SessionState::Confirming => {}
    }
    if let Some(hint) = &view.hint {
        out["hint"] = Value::String(hint.code.clone());
        out["hint_text"] = Value::String(hint.message.clone());
    }
    out
}

/// What to serve when collect says the session is gone (410): the widget
/// shows 二维码已过期，请刷新 and stops.
pub fn widget_gone() -> Value {
    json!({ "state": "gone" })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sessions::{EndResult, Hint, Operation};

    const TOKEN: &str = "0f1e2d3c4b5a69788796a5b4c3d2e1f0";

    fn frames() -> QrFrames {
        QrFrames::new(TOKEN, QrSecret::from_bytes([7; 32]), 1_000).unwrap()
    }

    fn view(state: SessionState, result: Option<EndResult>) -> SessionView {
        SessionView {
            session_id: "s".into(),
            operation: Operation::Auth,
            state,
            result,
            hint: Some(Hint {
                code: "outstanding".into(),
                message: "请使用移动CA App扫描二维码".into(),
            }),
            completion: None,
            signed_bytes: None,
        }
    }

    #[test]
    fn a_frame_verifies_with_the_secret_and_counts_seconds() {
        let f = frames();
        let link = f.frame_at(1_017);
        let parsed = QrLink::parse(&link.to_string()).unwrap();
        assert_eq!(parsed.elapsed_seconds(), 17);
        assert_eq!(parsed.public_token(), TOKEN);
        assert!(parsed.verify(&[7; 32]));
        assert!(!parsed.verify(&[8; 32]));
        // The known answer of mca_crypto::rp for this token, secret, second.
        assert!(
            link.to_string().ends_with(
                "&s=17&m=9e2c5fe5f7a180ba3602eaa9b255c6979d098d2f077f9842a192acba50189782"
            )
        );
        assert_eq!(f.frame_at(900).elapsed_seconds(), 0);
    }

    #[test]
    fn frames_change_every_second() {
        let f = frames();
        let texts: Vec<String> = (1_000..1_005).map(|t| f.frame_at(t).to_string()).collect();
        for pair in texts.windows(2) {
            assert_ne!(pair[0], pair[1]);
        }
        assert_eq!(f.frame_at(1_003).to_string(), texts[3]);
    }

    #[test]
    fn a_tampered_frame_does_not_verify() {
        let text = frames().frame_at(1_042).to_string();
        let moved = text.replace("&s=42&", "&s=43&");
        assert!(!QrLink::parse(&moved).unwrap().verify(&[7; 32]));
        let last = text.len() - 1;
        let flipped = format!(
            "{}{}",
            &text[..last],
            if text.ends_with('0') { '1' } else { '0' }
        );
        assert!(!QrLink::parse(&flipped).unwrap().verify(&[7; 32]));
    }

    #[test]
    fn bad_tokens_are_refused() {
        assert!(QrFrames::new("short", QrSecret::from_bytes([7; 32]), 0).is_err());
        assert!(QrFrames::new(&format!("{TOKEN}/x"), QrSecret::from_bytes([7; 32]), 0).is_err());
    }

    #[test]
    fn widget_frames_follow_the_readme_contract() {
        let f = frames();
        let created = widget_frame(&view(SessionState::Created, None), &f, 1_005);
        assert_eq!(created["state"], "created");
        assert_eq!(created["link"], f.frame_at(1_005).to_string());
        assert_eq!(created["hint"], "outstanding");
        assert_eq!(created["hint_text"], "请使用移动CA App扫描二维码");
        assert!(created.get("result").is_none());

        let scanned = widget_frame(&view(SessionState::Scanned, None), &f, 1_005);
        assert_eq!(scanned["state"], "scanned");
        assert!(scanned.get("link").is_none(), "no frame once scanned");

        let done = widget_frame(
            &view(SessionState::Complete, Some(EndResult::UserRefused)),
            &f,
            1_005,
        );
        assert_eq!(
            (done["state"].as_str(), done["result"].as_str()),
            (Some("complete"), Some("user_refused"))
        );
        assert!(done.get("link").is_none());

        let mut newer = view(SessionState::Complete, Some(EndResult::Other));
        newer.hint.as_mut().unwrap().code = "on_hold".into();
        assert_eq!(widget_frame(&newer, &f, 1_005)["result"], "on_hold");
        assert_eq!(widget_gone(), json!({"state":"gone"}));
    }
}
