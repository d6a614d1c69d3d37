// The catalogue (provinces, platforms, CAs, validity options with fees) as
// picker options; fetched once.
import { phone } from './phone.js';
import { yuan } from './feedback.js';

let cached = null;

export async function catalogue() {
  cached ??= await phone().catalogue();
  return cached;
}

export const options = {
  provinces: (c) => c.provinces.map((p) => ({ text: p.name, value: p.id })),
  platforms: (c, provinceId) =>
    c.platforms.filter((p) => p.province_id === provinceId).map((p) => ({ text: p.name, value: p.id })),
  cas: (c) => c.ca_organizations.map((o) => ({ text: o.name, value: o.id })),
  validity: (c, caId) =>
    c.validity_options.filter((v) => v.ca_id === caId)
      .map((v) => ({ text: `${v.years}年 · ${yuan(v.price_fen)}`, value: v.id })),
};

export function caName(c, caId) {
  return c?.ca_organizations.find((o) => o.id === caId)?.name ?? '';
}

/** The four ids of 证书信息, empty: a reactive() of it is what
 *  CertificateInfo.vue fills. */
export function emptyInfo() {
  return { province_id: '', platform_id: '', ca_id: '', validity_option_id: '' };
}

/** Whether all four ids are chosen. */
export function infoComplete(info) {
  return Object.values(info).every(Boolean);
}

export function platformName(c, platformId) {
  return c?.platforms.find((p) => p.id === platformId)?.name ?? '';
}

/** The four ids of 证书信息 an application was made with. */
export function infoOf(app) {
  const { province_id, platform_id, ca_id, validity_option_id } = app;
  return { province_id, platform_id, ca_id, validity_option_id };
}
