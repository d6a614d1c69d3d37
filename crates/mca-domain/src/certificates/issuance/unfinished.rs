//! Downloads the phone never finished. Step 3 is the only call that signs,
//! but a server crash after it wrote the certificate rows (or a phone that
//! vanished after step 2) leaves a key `Pending` for good — with valid
//! certificates in the first case. After [`UNFINISHED_DOWNLOAD_SECS`] the
//! sweep withdraws such a download: the key is retired first (a conditional
//! `UPDATE`, so a phone finishing step 3 at the same moment either wins and
//! keeps everything, or loses and is refused), then its intents are
//! abandoned and the certificates issued under them revoked
//! (cessationOfOperation). An approved application stays approved: the user
//! downloads again without paying or a new review.

use crate::store::{
    ApplicationState, CertUsage, IntentState, KeyState, MessageAction, MessageKind,
    RevocationReason, SigningKeyRecord,
};
use crate::{Result, Timestamp};

use super::Issuance;

/// How long a download may stay unfinished (key pending since step 1)
/// before the sweep withdraws it.
pub const UNFINISHED_DOWNLOAD_SECS: i64 = 30 * 60;

impl Issuance {
    /// Withdraws every download whose key has been pending for longer than
    /// [`UNFINISHED_DOWNLOAD_SECS`]; how many. Safe on several instances at
    /// once. Run at server start and then periodically.
    pub async fn sweep_unfinished(&self) -> Result<usize> {
        let before = Timestamp(self.clock.now().0 - UNFINISHED_DOWNLOAD_SECS);
        let mut n = 0;
        for key in self.store.pending_keys_created_before(before).await? {
            if self.withdraw(&key).await? {
                n += 1;
            }
        }
        Ok(n)
    }

    async fn withdraw(&self, key: &SigningKeyRecord) -> Result<bool> {
        let now = self.clock.now();
        if !self
            .store
            .set_key_state(key.id, KeyState::Pending, KeyState::Retired, now)
            .await?
        {
            return Ok(false); // finished or withdrawn elsewhere meanwhile
        }
        let user = key.user_id;
        self.store.mark_shares_lost(key.id).await?;
        self.log(
            user,
            "download_withdrawn",
            format!("signing-key:{}", key.id),
            "not finished in time",
        )
        .await?;
        let Some(app) = self.store.application(key.application_id).await? else {
            return Ok(true);
        };
        // The encryption certificate belongs to this download only if the
        // application was never downloaded and no other download of it is
        // under way or done.
        let others_live = self.store.signing_keys_of(user).await?.iter().any(|k| {
            k.application_id == app.id
                && k.id != key.id
                && matches!(
                    k.state,
                    KeyState::Pending | KeyState::Active | KeyState::Locked
                )
        });
        let encryption_too = app.state == ApplicationState::Approved && !others_live;
        let key_id = key.id.to_string();
        let mut withdrawn = Vec::new();
        for i in self.store.intents_of_application(app.id).await? {
            let ours = match i.usage {
                CertUsage::Signing => i.key_id == key_id,
                _ => encryption_too,
            };
            if ours && i.state != IntentState::Abandoned {
                self.store.withdraw_intent(i.id, now).await?;
                withdrawn.push(i.id);
            }
        }
        // Read after the intents are abandoned: a step 3 racing us has
        // either written its certificate by now or can no longer write it.
        let mut revoked = 0;
        for c in self.store.certificates_of_application(app.id).await? {
            if withdrawn.contains(&c.intent_id)
                && c.revoked_at.is_none()
                && self
                    .store
                    .revoke_certificate(c.id, now, RevocationReason::CessationOfOperation)
                    .await?
            {
                revoked += 1;
                self.log(
                    user,
                    "certificate_revoked",
                    format!("certificate:{}", c.id),
                    "download not finished",
                )
                .await?;
            }
        }
        self.messages
            .send(
                user,
                MessageKind::DownloadCertificate,
                "证书下载未完成",
                match (app.state == ApplicationState::Approved, revoked > 0) {
                    (true, true) => {
                        "您的证书下载未完成，已签发的证书已作废。请重新下载证书，无需再次支付。"
                    }
                    (true, false) => "您的证书下载未完成。请重新下载证书，无需再次支付。",
                    // A re-key (forgotten PIN, recovery): the old key, if
                    // still active, keeps working.
                    (false, _) => "您的证书密钥更新未完成，新签发的证书已作废。请重新操作。",
                },
                (app.state == ApplicationState::Approved).then(|| MessageAction {
                    name: "download_certificate".into(),
                    target: app.id.to_string(),
                }),
            )
            .await?;
        Ok(true)
    }
}
