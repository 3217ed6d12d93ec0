/**
 * Draws WhatsApp's login code for people to scan, with the `qrcode` package: as an SVG image for
 * the admin route and as half-block text for a terminal.
 */
import QRCode from 'qrcode';

/** The code as a standalone SVG image (with the standard's 4-module quiet zone). */
export function renderQrSvg(text: string): Promise<string> {
  return QRCode.toString(text, { type: 'svg', width: 512 });
}

/**
 * The code as lines of half blocks. With `ansi`, the characters carry their colours (black on
 * white), so it scans on light and dark terminals alike; without, light modules are drawn and
 * dark ones left blank, which scans on the usual dark background (a log viewer, `?format=text`).
 */
export function renderQrText(text: string, options: { ansi?: boolean } = {}): Promise<string> {
  if (options.ansi) return QRCode.toString(text, { type: 'terminal', small: true });
  return QRCode.toString(text, { type: 'utf8', color: { dark: '#ffffff', light: '#000000' } });
}
