// How errors and confirmations reach the user: Vant toasts and dialogs.
import { showDialog, showFailToast, showConfirmDialog, showSuccessToast } from 'vant';
import { errorText } from './phone.js';

/** Shows a rejected PhoneError; `wrong_pin` with the attempts left. */
export function showError(e) {
  if (e?.code === 'wrong_pin' && e.attempts_left != null && !e.detail) {
    showFailToast({ message: `PIN码错误，还可尝试${e.attempts_left}次`, duration: 3000, role: 'alert' });
    return;
  }
  if (e?.code === 'key_locked' || e?.status >= 500) {
    showDialog({ title: '提示', message: errorText(e), 'aria-label': '提示' });
    return;
  }
  showFailToast({ message: errorText(e), duration: 3000, wordBreak: 'break-word', role: 'alert' });
}

/** A short success note. Toasts are announced as status, not as dialogs
 *  (Vant's popup would be an unnamed dialog to screen readers). */
export function showSuccess(message) {
  showSuccessToast({ message, role: 'status' });
}

/** Asks the user to confirm; resolves true on the confirm button (确认 unless
 *  `confirmText` says otherwise). Vant names its dialog by an id that does
 *  not exist, so the dialog gets its title as aria-label. */
export async function confirm(message, title = '提示', { confirmText = '确认', cancelText = '取消' } = {}) {
  try {
    await showConfirmDialog({
      title, message, confirmButtonText: confirmText, cancelButtonText: cancelText, 'aria-label': title,
    });
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
