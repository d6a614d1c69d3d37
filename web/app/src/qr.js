// Reads a QR code from video frames: the browser's BarcodeDetector where it
// exists, otherwise zxing-wasm on canvas frames. zxing's .wasm is a file of
// this build (served from our origin, cached by the service worker) — never
// the CDN its default locateFile points at.
import zxingWasmUrl from 'zxing-wasm/reader/zxing_reader.wasm?url';

/** A function video → Promise<text | null>. */
export async function qrReader() {
  if ('BarcodeDetector' in window) {
    const detector = new window.BarcodeDetector({ formats: ['qr_code'] });
    return async (video) => (await detector.detect(video))[0]?.rawValue ?? null;
  }
  const { prepareZXingModule, readBarcodes } = await import('zxing-wasm/reader');
  await prepareZXingModule({
    overrides: { locateFile: (path, prefix) => (path.endsWith('.wasm') ? zxingWasmUrl : prefix + path) },
    fireImmediately: true,
  });
  const canvas = document.createElement('canvas');
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  return async (video) => {
    const { videoWidth: w, videoHeight: h } = video;
    if (!w || !h) return null;
    canvas.width = w;
    canvas.height = h;
    ctx.drawImage(video, 0, 0, w, h);
    const results = await readBarcodes(ctx.getImageData(0, 0, w, h), { formats: ['QRCode'], maxNumberOfSymbols: 1 });
    return results.find((r) => r.isValid)?.text ?? null;
  };
}
