// How errors and confirmations reach the user: Vant toasts and dialogs.
import { showDialog, showFailToast, showConfirmDialog } from 'vant';
import { errorText } from './phone.js';

/** Shows a rejected PhoneError; `wrong_pin` with the attempts left. */
export function showError(e) {
  if (e?.code === 'wrong_pin' && e.attempts_left != null && !e.detail) {
    showFailToast({ message: `PIN码错误，还可尝试${e.attempts_left}次`, duration: 3000 });
    return;
  }
  if (e?.code === 'key_locked' || e?.status >= 500) {
    showDialog({ title: '提示', message: errorText(e) });
    return;
  }
  showFailToast({ message: errorText(e), duration: 3000, wordBreak: 'break-word' });
}

/** Asks the user to confirm; resolves true on 确定. */
export async function confirm(message, title = '提示') {
  try {
    await showConfirmDialog({ title, message });
    return true;
  } catch {
    return false;
  }
}

/** Formats fen as 元 with two decimals. */
export function yuan(fen) {
  return `${(Number(fen) / 100).toFixed(2)} 元`;
}

/** An RFC 3339 time as a Chinese local date, e.g. 2026年12月3日. */
export function date(text) {
  if (!text) return '';
  const d = new Date(text);
  return `${d.getFullYear()}年${d.getMonth() + 1}月${d.getDate()}日`;
}
