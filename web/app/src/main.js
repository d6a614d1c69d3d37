import { createApp } from 'vue';
import Vant from 'vant';
import 'vant/lib/index.css';
import './style.css';
import App from './App.vue';
import BrokenView from './views/BrokenView.vue';
import { router } from './router.js';
import { errorText, openPhone } from './phone.js';

// The service worker keeps the app shell for offline start; only the built
// app has one (the dev server's modules are not an app shell).
if (import.meta.env.PROD && 'serviceWorker' in navigator) {
  navigator.serviceWorker.register(`${import.meta.env.BASE_URL}sw.js`, { scope: import.meta.env.BASE_URL })
    .catch(() => {});
}

try {
  await openPhone();
  createApp(App).use(Vant).use(router).mount('#app');
} catch (e) {
  createApp(BrokenView, { message: errorText(e) }).use(Vant).mount('#app');
}
