// The one door to the WebAssembly phone core (mca-phone-wasm). The app's
// JavaScript holds no protocol or validation logic: it asks `phone` and the
// `check*` functions, and shows what they answer.
//
// `import.meta.glob` instead of a static import: the app still builds (and
// says so on screen) before scripts/build-app has put the wasm in src/wasm/.
const modules = import.meta.glob('./wasm/mca_phone_wasm.js');

let core = null;

/** Loads the wasm and opens the phone (IndexedDB "mca-phone"). */
export async function openPhone() {
  const load = modules['./wasm/mca_phone_wasm.js'];
  if (!load) {
    throw { code: 'no_wasm', title: '应用未完整构建：缺少手机核心组件（请运行 scripts/build-app）' };
  }
  const wasm = await load();
  await wasm.default();
  const phone = await wasm.Phone.open(location.origin);
  core = { wasm, phone };
  return phone;
}

/** The opened phone. */
export function phone() {
  return core.phone;
}

// A core built without a check leaves the field unchecked as typed (the
// server still refuses bad input) rather than breaking the screen.
function checkWith(name) {
  return (text) => {
    const f = core.wasm[name];
    if (typeof f !== 'function') {
      console.warn(`phone core has no ${name}()`);
      return null;
    }
    return f(text ?? '') ?? null;
  };
}

/** Field checks of the core: `null` when valid, else the message to show. */
export const check = {
  phone: checkWith('checkPhone'),
  name: checkWith('checkName'),
  idNumber: checkWith('checkIdNumber'),
  password: checkWith('checkPassword'),
  pin: checkWith('checkPin'),
  smsCode: checkWith('checkSmsCode'),
  creditCode: checkWith('checkCreditCode'),
  enterpriseName: checkWith('checkEnterpriseName'),
};

/** The message of a rejected call: a PhoneError's `detail ?? title`. */
export function errorText(e) {
  if (e && typeof e === 'object' && (e.detail || e.title)) return e.detail ?? e.title;
  return '操作失败，请稍后重试';
}
