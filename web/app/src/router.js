// Hash routes (`/app/#/...`) so the server serves one index.html for all.
import { createRouter, createWebHashHistory } from 'vue-router';
import { phone } from './phone.js';

const view = (name) => () => import(`./views/${name}.vue`);

const routes = [
  { path: '/', redirect: '/home' },
  { path: '/login', component: view('LoginView'), meta: { public: true } },
  { path: '/forgot-password', component: view('ResetPasswordView'), meta: { public: true } },
  { path: '/set-password', component: view('SetPasswordView') },
  { path: '/identity', component: view('IdentityView') },
  { path: '/home', component: view('HomeView'), meta: { tab: true } },
  { path: '/messages', component: view('MessagesView'), meta: { tab: true } },
  { path: '/messages/:id', component: view('MessageView') },
  { path: '/me', component: view('MeView'), meta: { tab: true } },
  { path: '/apply', component: view('ApplyView') },
  { path: '/applications/:id/edit', component: view('ApplyView') },
  { path: '/applications/:id/pay', component: view('PayView') },
  { path: '/applications/:id/result', component: view('ResultView') },
  { path: '/enterprise/claim', component: view('ClaimView') },
  { path: '/enterprise/claims/:id/edit', component: view('ClaimView') },
  { path: '/enterprise/join', component: view('JoinView') },
  { path: '/enterprises', component: view('EnterprisesView') },
  { path: '/enterprises/:id', component: view('EnterpriseView') },
  { path: '/enterprises/:id/grant', component: view('AgentApplyView') },
  { path: '/enterprises/:id/request', component: view('AgentApplyView') },
  { path: '/enterprises/:id/new-certificate', component: view('AgentApplyView') },
  { path: '/invitations/:id', component: view('AgentApplyView') },
  { path: '/authorizations/:id/seal', component: view('SealView') },
  { path: '/download/:id', component: view('DownloadView') },
  { path: '/certificates', component: view('CertificatesView') },
  { path: '/certificates/:id', component: view('CertificateView') },
  { path: '/certificates/:id/renew', component: view('RenewView') },
  { path: '/recover', component: view('RecoverView') },
  { path: '/scan', component: view('ScanView') },
  { path: '/settings', component: view('SettingsView') },
  { path: '/settings/phone', component: view('ChangePhoneView') },
  { path: '/settings/password', component: view('ChangePasswordView') },
  { path: '/settings/reset-password', component: view('ResetPasswordView') },
  { path: '/settings/pin', component: view('ChangePinView') },
  { path: '/settings/forgot-pin', component: view('ForgotPinView') },
  { path: '/devices', component: view('DevicesView') },
  { path: '/seals', component: view('SealsView') },
  { path: '/unlock/:keyId', component: view('UnlockView') },
  { path: '/:rest(.*)*', redirect: '/home' },
];

export const router = createRouter({ history: createWebHashHistory(), routes });

// Without a session every screen but 登录 and 忘记密码 leads to 登录, which
// comes back here afterwards (e.g. a same-device `#/scan?link=...`).
router.beforeEach((to) => {
  if (to.meta.public || phone().session()) return true;
  return { path: '/login', query: { redirect: to.fullPath } };
});
