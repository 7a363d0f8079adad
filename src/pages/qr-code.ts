// The QR code of a page's own address, as a GIF data URL (qrcode-generator, a dependency-free QR encoder).

import qrcode from 'qrcode-generator';

/** Pixels per module and quiet-zone pixels (4 modules, as ISO/IEC 18004 asks). */
const CELL_PIXELS = 4;
const MARGIN_PIXELS = 4 * CELL_PIXELS;

/**
 * `data:image/gif;base64,…` of a QR code holding `text` (error correction M, the smallest version that fits), about
 * 2 KB for a typical product URL. `text` should be ASCII — a URL with its path percent-encoded is — since the encoder
 * writes one byte per character. Throws when the text is too long for any QR version (about 2,300 bytes at M).
 */
export function qrDataUrl(text: string): string {
  const code = qrcode(0, 'M');
  code.addData(text, 'Byte');
  code.make();
  return code.createDataURL(CELL_PIXELS, MARGIN_PIXELS);
}
