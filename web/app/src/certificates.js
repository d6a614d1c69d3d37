// How a certificate is shown: its status and usage in Chinese.
const USAGES = { signing: '签名证书', encryption: '加密证书' };

export function usageLabel(c) {
  return USAGES[c.usage] ?? c.usage;
}

/** 'active' | 'revoked' | 'expired' from the server's view of it. */
export function statusOf(c) {
  if (c.status) return c.status;
  if (c.revoked_at) return 'revoked';
  return new Date(c.not_after) <= new Date() ? 'expired' : 'active';
}

const STATUS_LABELS = { active: '生效中', revoked: '已注销', expired: '已过期' };

export function statusLabel(c) {
  const s = statusOf(c);
  return STATUS_LABELS[s] ?? s;
}
