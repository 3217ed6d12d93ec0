/**
 * Draws a QR code for people to scan: as text for a terminal (two modules per character with
 * half blocks) and as an SVG image for the browser. Both keep the standard's 4-module quiet zone.
 */
import type { QrCode } from './qr-code.js';

const QUIET_ZONE = 4;

/** Whether the module at (x, y) is dark; the quiet zone around the symbol is light. */
function dark(qr: QrCode, x: number, y: number): boolean {
  return x >= 0 && y >= 0 && x < qr.size && y < qr.size && qr.modules[y]![x]!;
}

/**
 * The code as lines of half blocks. With `ansi`, each character sets its colours (black on
 * white), so it scans on light and dark terminals alike; without, light modules are drawn and
 * dark ones left blank, which scans on the usual dark terminal background.
 */
export function renderQrText(qr: QrCode, options: { ansi?: boolean } = {}): string {
  const lines: string[] = [];
  for (let y = -QUIET_ZONE; y < qr.size + QUIET_ZONE; y += 2) {
    let line = '';
    for (let x = -QUIET_ZONE; x < qr.size + QUIET_ZONE; x++) {
      const top = dark(qr, x, y);
      const bottom = y + 1 < qr.size + QUIET_ZONE && dark(qr, x, y + 1);
      if (options.ansi) line += `\x1b[38;5;${top ? 16 : 231};48;5;${bottom ? 16 : 231}m▀`;
      else line += top ? (bottom ? ' ' : '▄') : bottom ? '▀' : '█';
    }
    lines.push(options.ansi ? `${line}\x1b[0m` : line);
  }
  return lines.join('\n');
}

/** The code as a standalone SVG image, `scale` pixels per module. */
export function renderQrSvg(qr: QrCode, scale = 8): string {
  const side = qr.size + QUIET_ZONE * 2;
  let path = '';
  for (let y = 0; y < qr.size; y++) {
    for (let x = 0; x < qr.size; ) {
      if (!qr.modules[y]![x]) {
        x++;
        continue;
      }
      let run = 1;
      while (x + run < qr.size && qr.modules[y]![x + run]) run++;
      path += `M${x + QUIET_ZONE} ${y + QUIET_ZONE}h${run}v1h-${run}z`;
      x += run;
    }
  }
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${side * scale}" height="${side * scale}" viewBox="0 0 ${side} ${side}" shape-rendering="crispEdges">` +
    `<rect width="${side}" height="${side}" fill="#fff"/><path d="${path}" fill="#000"/></svg>\n`
  );
}
