import { createApp } from 'vue';
import {
  ActionSheet, Badge, Button, Cell, CellGroup, Checkbox, CheckboxGroup, Dialog, Empty, Field, Icon, Loading, NavBar, NoticeBar, PasswordInput,
  PullRefresh, Radio, RadioGroup, Step, Steps, Tab, Tabbar, TabbarItem, Tabs,
} from 'vant';
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

// The components the screens use, registered by name (<van-button> …); the
// rest of Vant stays out of the bundle. Toast and Dialog are called as
// functions (feedback.js).
const components = [
  ActionSheet, Badge, Button, Cell, CellGroup, Checkbox, CheckboxGroup, Dialog, Empty, Field, Icon, Loading, NavBar, NoticeBar, PasswordInput,
  PullRefresh, Radio, RadioGroup, Step, Steps, Tab, Tabbar, TabbarItem, Tabs,
];

function mount(app) {
  for (const c of components) app.use(c);
  app.mount('#app');
}

try {
  await openPhone();
  mount(createApp(App).use(router));
} catch (e) {
  mount(createApp(BrokenView, { message: errorText(e) }));
}
