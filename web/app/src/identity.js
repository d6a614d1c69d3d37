// The account's real-name state, shared by 首页 and the screens it gates.
import { ref } from 'vue';
import { phone } from './phone.js';

export const identity = ref(null);

/** Fetches the state again (server JSON: { state, name_masked, id_number_masked }). */
export async function refreshIdentity() {
  identity.value = await phone().identity();
  return identity.value;
}

/** True once 实名认证 has passed. */
export function isVerified(id = identity.value) {
  return (id?.state ?? id?.status) === 'verified';
}
