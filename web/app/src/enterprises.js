// Words of the enterprise screens (issue 12): permissions, roles, the
// states of an authorization.

/** The permissions an authorization grants, in the server's names. */
export const PERMISSIONS = [
  { value: 'login', text: '登录' },
  { value: 'sign', text: '签名' },
  { value: 'seal', text: '签章' },
  { value: 'encrypt', text: '加密' },
  { value: 'decrypt', text: '解密' },
];

export function permissionsText(list) {
  return (list ?? []).map((p) => PERMISSIONS.find((x) => x.value === p)?.text ?? p).join('、');
}

export const ROLES = { admin: '管理员', staff: '办事人员' };

export const AUTHORIZATION_STATES = { pending: '待生效', active: '生效中', deleted: '已删除', superseded: '已续期' };

export function roleOf(enterprise) {
  return ROLES[enterprise?.role] ?? '认领中';
}
