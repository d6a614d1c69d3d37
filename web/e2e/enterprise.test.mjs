// The enterprise story (issue 12) in the phone app, two phones in Debian's
// chromium against a real `mca up`: the admin claims an enterprise (a bad
// credit code is refused as typed) → pays → a reviewer approves →
// 认领企业，请下载证书 → the admin downloads with a PIN; the staff member
// looks the enterprise up, asks to join (wrong admin details refused) →
// pays → the admin gets 加入企业申请 → 确认并盖章 with the enterprise
// certificate and its PIN → a reviewer approves (the seal verified) →
// 加入成功，请下载证书 → the staff member downloads, sees 办事人员首页 and
// 新增证书; the admin sees the people and the authorizations by platform
// and by person, grants another authorization (the staff member gets
// 企业新增授权 to pay) and deletes it, invites a person (whose first login
// finds 企业邀请 and accepts it with a certificate to pay), asks for a new
// enterprise certificate of their own (D3), the staff member opens 企业证书续期
// (E3), and the admin deletes the staff member, whose enterprise certificate is then revoked. Every screen
// is photographed to artifacts/screenshots/enterprise/ with the axe and
// 360 px checks.
//
// Needs: MCA_BIN (a `mca` built after scripts/build-app), chromium at
// CHROMIUM.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { CHROMIUM, startMca, approveAsReviewer, solidPng } from './support.mjs';
import {
  PHONE, Screens, button, chooseCertificateInfo, field, signUpVerified, tile, typePin,
} from './app-support.mjs';

const ZJCA = '浙江省数字安全证书管理有限公司';
// A photographed form stamped with a red seal: the generated photo the
// seal extraction is scored on (B3).
const STAMPED_FORM = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'crates', 'mca-forms', 'testdata', 'stamped-form.jpg');
const ENTERPRISE = { name: '杭州示例科技有限公司', creditCode: '91350100M000100Y43' };
const ADMIN = { number: '13700137000', password: 'Admin-2026', name: '张三', idNumber: '110101199003071233', pin: '246813' };
const INVITEE = { number: '13900139000', password: 'Invitee-2026', name: '王五', idNumber: '440304197511206787' };
const STAFF = { number: '13800138000', password: 'Staff-2026', name: '李四', idNumber: '33010619850512345X', pin: '135792' };

/// Opens the newest message whose title is `title` and follows its action
/// `action`.
async function followMessage(page, url, title, action) {
  await page.goto(`${url}/app/#/messages`);
  const message = page.getByText(title, { exact: true }).first();
  await message.waitFor({ timeout: 20_000 });
  await message.click();
  await button(page, action).click();
}

/// Sets a new PIN twice on the download screen and waits for the key.
async function download(page, pin) {
  await page.getByText('请设置6位证书PIN码').waitFor();
  await typePin(page, pin);
  await page.getByText('请再次输入PIN码').waitFor();
  await typePin(page, pin);
  await page.getByText('证书下载成功').waitFor({ timeout: 120_000 });
}

/// Pays on 支付 and returns the application id.
async function pay(page) {
  const payButton = page.getByRole('button', { name: /^确认支付/ });
  await payButton.waitFor();
  const id = page.url().match(/applications\/([^/]+)\/pay/)[1];
  await payButton.click();
  return id;
}

/// The failure toast's text.
async function toast(page) {
  const t = page.locator('.van-toast--fail').filter({ visible: true }).first();
  await t.waitFor();
  return (await t.textContent()).trim();
}

test('the enterprise in the phone app: claim, download, join, seal, staff, authorizations, delete', { timeout: 600_000 }, async (t) => {
  const server = await startMca(t, ['--sms-resend-interval', '1']);
  const dir = mkdtempSync(join(tmpdir(), 'mca-enterprise-story-'));
  const photo = join(dir, 'photo.png');
  writeFileSync(photo, solidPng(600, 800));
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  // Two phones: two browser contexts, each with its own IndexedDB.
  const admin = await (await browser.newContext(PHONE)).newPage();
  const staff = await (await browser.newContext(PHONE)).newPage();
  const errors = [];
  for (const p of [admin, staff]) p.on('pageerror', (e) => errors.push(String(e)));
  const screens = new Screens('enterprise');
  let passed = false;
  t.after(async () => {
    if (!passed) {
      await admin.screenshot({ path: join(screens.dir, 'failure-admin.png') }).catch(() => {});
      await staff.screenshot({ path: join(screens.dir, 'failure-staff.png') }).catch(() => {});
      t.diagnostic(`stopped after ${screens.count} screens; their problems so far: ${JSON.stringify(screens.problems)}; page errors: ${JSON.stringify(errors)}`);
    }
    await browser.close();
  });

  // B: the admin claims the enterprise.
  await signUpVerified(admin, server.url, ADMIN);
  await tile(admin, '新增证书').click();
  await admin.getByText('认领企业并申请企业证书').click();
  await admin.getByRole('region', { name: '企业信息' }).waitFor();
  await screens.shot(admin, 'claim-enterprise');
  await admin.getByLabel('从相册选择营业执照').setInputFiles(photo);
  await field(admin, '企业名称').fill(ENTERPRISE.name);
  // A wrong check character is refused as typed, by the phone core.
  await field(admin, '统一社会信用代码').fill('91350100M000100Y44');
  await field(admin, '法定代表人').click();
  await admin.getByText('统一社会信用代码不正确，请核对营业执照').waitFor();
  await screens.shot(admin, 'claim-bad-credit-code');
  await field(admin, '统一社会信用代码').fill(ENTERPRISE.creditCode);
  await field(admin, '法定代表人').fill(ADMIN.name);
  await field(admin, '法定代表人身份证号').fill(ADMIN.idNumber);
  await screens.shot(admin, 'claim-filled');
  await button(admin, '下一步').click();
  await admin.getByRole('region', { name: '证书信息' }).waitFor();
  await chooseCertificateInfo(admin, ZJCA);
  await screens.shot(admin, 'claim-certificate-info');
  await button(admin, '下一步').click();
  await admin.getByRole('region', { name: '申请书' }).waitFor();
  await button(admin, '下载申请书模板').click();
  await admin.getByText('打开申请书（PDF）').waitFor();
  // B3: a photo without a red seal is refused as chosen; the stamped one
  // shows the seal found in it, to confirm before submitting.
  await admin.getByLabel('从相册选择申请书').setInputFiles(photo);
  await admin.getByText('未能识别印章').waitFor();
  await admin.getByText(/未在照片中找到红色印章/).waitFor();
  await screens.shot(admin, 'claim-no-seal');
  await admin.getByLabel('从相册选择申请书').setInputFiles(STAMPED_FORM);
  const seal = admin.getByRole('img', { name: '识别出的企业印章' });
  await seal.waitFor();
  assert.ok(await seal.evaluate((img) => img.complete && img.naturalWidth > 100), 'the seal picture loads');
  await button(admin, '提交申请').click();
  await admin.getByText('请先确认识别出的企业印章，或重新拍照').waitFor();
  await screens.shot(admin, 'claim-form');
  await button(admin, '确认印章').click();
  await admin.getByText('印章已确认').waitFor();
  await button(admin, '提交申请').click();
  await screens.shot(admin, 'claim-pay');
  const claimId = await pay(admin);
  await admin.getByText('等待CA审核').first().waitFor();
  approveAsReviewer(server, claimId);

  // B6: 认领企业，请下载证书 → the admin's enterprise certificate.
  await followMessage(admin, server.url, '认领企业，请下载证书', '下载证书');
  await download(admin, ADMIN.pin);
  await screens.shot(admin, 'claim-downloaded');
  await admin.goto(`${server.url}/app/#/home`);
  await admin.getByText(ENTERPRISE.name, { exact: true }).waitFor();
  await screens.shot(admin, 'admin-home');
  // 13.2 我的印章: the enterprise's seal, made from the confirmed picture.
  await admin.goto(`${server.url}/app/#/me`);
  await admin.getByText('我的印章').click();
  const enterpriseSeal = admin.getByRole('img', { name: `${ENTERPRISE.name}的印章` });
  await enterpriseSeal.waitFor();
  assert.ok(await enterpriseSeal.evaluate((img) => img.complete && img.naturalWidth > 100), 'the seal picture shows');
  await admin.getByText('企业印章').waitFor();
  await screens.shot(admin, 'admin-seals');

  // C1, C2: the staff member finds the enterprise and asks to join.
  await signUpVerified(staff, server.url, STAFF);
  await tile(staff, '新增证书').click();
  await staff.getByText('加入企业并申请企业证书').click();
  await field(staff, '企业名称').fill(ENTERPRISE.name);
  // A well-formed code of no claimed enterprise: not found.
  await field(staff, '统一社会信用代码').fill('91330106MA2CFE7K29');
  await button(staff, '查询').click();
  assert.match(await toast(staff), /未找到该企业/);
  await field(staff, '统一社会信用代码').fill(ENTERPRISE.creditCode);
  await screens.shot(staff, 'join-lookup');
  await button(staff, '查询').click();
  await staff.getByRole('region', { name: '证书信息' }).waitFor();
  await chooseCertificateInfo(staff, ZJCA);
  // The staff member asks for everything but decryption.
  await staff.locator('.permissions').getByText('解密', { exact: true }).click();
  await screens.shot(staff, 'join-certificate-info');
  await button(staff, '下一步').click();
  await field(staff, '管理员姓名').fill(ADMIN.name);
  await field(staff, '管理员手机号').fill('13700137001');
  await button(staff, '提交申请').click();
  const mismatch = await toast(staff);
  await screens.shot(staff, 'join-admin-mismatch');
  assert.ok(!mismatch.includes(ADMIN.number), `the refusal reveals nothing: ${mismatch}`);
  await field(staff, '管理员手机号').fill(ADMIN.number);
  await button(staff, '提交申请').click();
  const joinId = await pay(staff);
  await staff.getByText('等待管理员确认并盖章').first().waitFor();
  await screens.shot(staff, 'join-awaiting-admin');

  // C3: the admin's 加入企业申请 → 确认并盖章 with the enterprise key.
  await followMessage(admin, server.url, '加入企业申请', '确认并盖章');
  await admin.getByText(STAFF.name, { exact: false }).first().waitFor();
  await button(admin, '查看授权书').click();
  await admin.getByText('打开授权书（PDF）').waitFor();
  await screens.shot(admin, 'seal-letter');
  await button(admin, '确认并盖章').click();
  await admin.getByText('请输入6位证书PIN码').waitFor();
  await screens.shot(admin, 'seal-pin');
  await typePin(admin, ADMIN.pin);
  await admin.getByText('已盖章').waitFor({ timeout: 60_000 });
  await screens.shot(admin, 'seal-done');

  // The reviewer sees the sealed letter verified, and approves.
  const reviewed = JSON.parse(approveAsReviewer(server, joinId)).authorization;
  assert.equal(reviewed.seal_verified, true, 'the seal verifies over the letter');
  assert.deepEqual(reviewed.permissions, ['login', 'sign', 'seal', 'encrypt'], 'what the staff member asked for');

  // C4: 加入成功，请下载证书 → the staff member's enterprise certificate.
  await followMessage(staff, server.url, '加入成功，请下载证书', '下载证书');
  await download(staff, STAFF.pin);
  await screens.shot(staff, 'join-downloaded');
  await staff.goto(`${server.url}/app/#/home`);
  await staff.getByText(ENTERPRISE.name, { exact: true }).click();
  await button(staff, '新增证书').waitFor();
  await screens.shot(staff, 'staff-home');
  await button(staff, '新增证书').click();
  await staff.getByText('新增企业证书').first().waitFor();
  await screens.shot(staff, 'staff-new-certificate');

  // D1, D2: the admin's people and authorizations.
  await admin.goto(`${server.url}/app/#/home`);
  await admin.getByText(ENTERPRISE.name, { exact: true }).click();
  await admin.getByText(`${STAFF.name} `, { exact: false }).first().waitFor();
  await screens.shot(admin, 'admin-people');
  await admin.getByRole('tab', { name: '授权管理' }).click();
  await admin.getByText('生效中').first().waitFor();
  await screens.shot(admin, 'admin-authorizations-by-platform');
  await admin.getByText('按人员').click();
  await screens.shot(admin, 'admin-authorizations-by-person');

  // D2 新增授权 → the staff member's 企业新增授权 → pay → back to the
  // admin, who deletes it instead of sealing.
  await button(admin, '新增授权').click();
  await admin.locator('.van-cell').filter({ hasText: '人员' }).first().click();
  await admin.getByRole('button', { name: new RegExp(STAFF.name) }).filter({ visible: true }).click();
  await chooseCertificateInfo(admin, ZJCA);
  await screens.shot(admin, 'admin-grant');
  await button(admin, '提交授权').click();
  await admin.getByRole('tab', { name: '授权管理', selected: true }).waitFor();
  await followMessage(staff, server.url, '企业新增授权', '去支付');
  await pay(staff);
  await staff.getByText('等待管理员确认并盖章').first().waitFor();
  await admin.reload();
  await admin.getByText('待生效').first().waitFor();
  // The pending grant's, not the staff member's active join.
  await admin.locator('.van-cell').filter({ hasText: '待生效' }).getByRole('button', { name: /^删除授权：/ }).click();
  await screens.shot(admin, 'admin-delete-authorization');
  await button(admin, '删除').click();
  await admin.getByText('已删除').first().waitFor();

  // D3 新增证书: the admin's own new enterprise certificate, to pay and
  // then seal with the one they hold.
  await button(admin, '新增证书').click();
  await admin.getByText('新增企业证书').first().waitFor();
  await chooseCertificateInfo(admin, ZJCA);
  await screens.shot(admin, 'admin-new-certificate');
  await button(admin, '提交申请').click();
  await admin.getByRole('button', { name: /^确认支付/ }).waitFor();
  await admin.goto(`${server.url}/app/#/home`);
  await admin.getByText(ENTERPRISE.name, { exact: true }).click();

  // D1 新增人员: an invitation that waits for that phone's login.
  await admin.getByRole('tab', { name: '人员管理' }).click();
  await button(admin, '新增人员').click();
  await field(admin, '姓名').fill(INVITEE.name);
  await field(admin, '手机号').fill(INVITEE.number);
  await screens.shot(admin, 'admin-invite');
  await button(admin, '发送邀请').click();
  await admin.getByText('邀请已发送').waitFor();

  // The invited person's first login finds the invitation on 首页.
  const invitee = await (await browser.newContext(PHONE)).newPage();
  invitee.on('pageerror', (e) => errors.push(String(e)));
  await signUpVerified(invitee, server.url, INVITEE);
  await invitee.getByText('企业邀请').click();
  await invitee.getByText(ENTERPRISE.name, { exact: true }).waitFor();
  await screens.shot(invitee, 'invitation-list');
  await invitee.getByText('接受邀请').click();
  await button(invitee, '接受邀请并申请').waitFor();
  await chooseCertificateInfo(invitee, ZJCA);
  await screens.shot(invitee, 'invitation-accept');
  await button(invitee, '接受邀请并申请').click();
  await invitee.getByRole('button', { name: /^确认支付/ }).waitFor();

  // E3 续期 of the staff member's enterprise certificate: named so, and
  // sealed by the admin after payment.
  await staff.goto(`${server.url}/app/#/certificates`);
  await staff.locator('.van-cell').filter({ hasText: '签名' }).first().click();
  await button(staff, '续期').click();
  await button(staff, '确认').click();
  await staff.getByText('企业证书续期').first().waitFor();
  await staff.getByText(/由企业管理员用企业证书确认并盖章/).waitFor();
  await screens.shot(staff, 'staff-renew');

  // D1 删除人员: the staff member's enterprise certificate is revoked.
  await button(admin, `删除${STAFF.name}`).click();
  await screens.shot(admin, 'admin-delete-person');
  await button(admin, '删除').click();
  await button(admin, `删除${STAFF.name}`).waitFor({ state: 'detached' });
  await staff.goto(`${server.url}/app/#/certificates`);
  await staff.getByRole('tab', { name: '已失效' }).click();
  await staff.getByText('已注销').first().waitFor();
  await screens.shot(staff, 'staff-certificate-revoked');

  assert.deepEqual(errors, [], 'no uncaught errors in the pages');
  assert.deepEqual(screens.problems, [], 'every screen passes axe and fits 360 px');
  passed = true;
});
