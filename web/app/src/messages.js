// What a message's action opens: the server names the action and its target
// (an application, certificate, authorization or invitation id); the app knows the screen and label.
export const ACTIONS = {
  download_certificate: { label: '下载证书', route: (id) => `/download/${id}` },
  edit_application: { label: '重新申请', route: (id) => `/applications/${id}/edit` },
  renew_certificate: { label: '续期证书', route: (id) => `/certificates/${id}/renew` },
  seal_authorization: { label: '确认并盖章', route: (id) => `/authorizations/${id}/seal` },
  accept_invitation: { label: '接受邀请', route: (id) => `/invitations/${id}` },
  pay_application: { label: '去支付', route: (id) => `/applications/${id}/pay` },
};

export function actionOf(message) {
  const a = message?.action;
  if (!a) return null;
  const known = ACTIONS[a.name];
  return known ? { label: known.label, to: known.route(a.target) } : null;
}
