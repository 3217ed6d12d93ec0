/**
 * Drawing the WhatsApp login code (the `qrcode` package): the SVG for the admin route and the
 * text for a terminal. Where `zbarimg` (Debian's zbar-tools) is installed, the codes are read
 * back with a real reader.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import QRCode from 'qrcode';
import { afterAll, describe, expect, it } from 'vitest';
import { renderQrSvg, renderQrText } from '../../../src/adapters/whatsapp/qr-render.js';

/** Shaped like the code WhatsApp Web emits: "2@" and four base64 fields. */
const WHATSAPP_LIKE = `2@${'Ab3+/'.repeat(18)}x,${'Zq9='.repeat(11)},${'Kp0+'.repeat(11)},${'Wm7/'.repeat(6)}=`;

const zbar = (() => {
  try {
    execFileSync('zbarimg', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

const dir = mkdtempSync(path.join(tmpdir(), 'qr-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function zbarRead(file: string): string {
  return execFileSync('zbarimg', ['-q', '--raw', '-Sbinary', file], { stdio: ['ignore', 'pipe', 'ignore'] })
    .toString('utf8')
    .replace(/\n$/, '');
}

/**
 * The plain terminal drawing back into pixels, as a PBM image (3 pixels a module): each
 * character is two modules, top and bottom; drawn halves are light, blank ones dark.
 */
function textToPbm(text: string): string {
  const lightTop: Record<string, boolean> = { '█': true, '▀': true, '▄': false, ' ': false };
  const lightBottom: Record<string, boolean> = { '█': true, '▄': true, '▀': false, ' ': false };
  const rows: string[] = [];
  for (const line of text.split('\n')) {
    const chars = [...line];
    for (const light of [lightTop, lightBottom]) {
      const row = chars.flatMap((c) => Array<string>(3).fill(light[c] ? '0' : '1')).join(' ');
      rows.push(row, row, row);
    }
  }
  const width = [...text.split('\n')[0]!].length * 3;
  return `P1\n${width} ${rows.length}\n${rows.join('\n')}\n`;
}

describe('WhatsApp QR code drawing', () => {
  it('draws an SVG image: a square light background and the dark modules as path data', async () => {
    const { modules } = QRCode.create(WHATSAPP_LIKE, {});
    const side = modules.size + 8;
    const svg = await renderQrSvg(WHATSAPP_LIKE);
    expect(svg.startsWith(`<svg xmlns="http://www.w3.org/2000/svg" width="512" height="512" viewBox="0 0 ${side} ${side}"`)).toBe(true);
    expect(svg).toContain(`<path fill="#ffffff" d="M0 0h${side}v${side}H0z"/>`);
    const d = /<path stroke="#000000" d="([^"]+)"\/>/.exec(svg)?.[1];
    expect(d).toMatch(/^M4 4\.5h7m/); // the top-left finder's top edge, inside the quiet zone
    expect(d).toMatch(/^(?:[Mm]\d+ \d+(?:\.5)?h\d+)+$/);
    expect(svg.endsWith('</svg>\n')).toBe(true);
  });

  it('draws half blocks for a terminal, with and without colours', async () => {
    const { modules } = QRCode.create(WHATSAPP_LIKE, {});
    const plain = (await renderQrText(WHATSAPP_LIKE)).split('\n');
    expect(plain).toHaveLength(Math.ceil(modules.size / 2) + 4); // two lines of quiet zone above and below
    expect(plain.every((l) => [...l].length === modules.size + 8)).toBe(true);
    expect(plain[0]).toBe('█'.repeat(modules.size + 8)); // light quiet zone, drawn
    expect(plain.join('')).toMatch(/^[█▀▄ ]+$/);
    const ansi = await renderQrText(WHATSAPP_LIKE, { ansi: true });
    expect(ansi.startsWith('\x1b[47m\x1b[30m')).toBe(true); // black on white
    // eslint-disable-next-line no-control-regex -- ANSI colour codes
    const lines = ansi.replace(/\x1b\[[\d;]*m/g, '').split('\n').filter((l) => l !== '');
    expect(lines).toHaveLength(Math.ceil((modules.size + 2) / 2)); // a one-module white border
    expect(lines.every((l) => [...l].length === modules.size + 2)).toBe(true);
  });

  it.skipIf(!zbar)('reads back the same text with a real reader (zbarimg): the PNG and the terminal text', async () => {
    for (const text of [WHATSAPP_LIKE, 'Привет, мир', 'x'.repeat(900)]) {
      const png = path.join(dir, 'code.png');
      writeFileSync(png, await QRCode.toBuffer(text, { type: 'png' }));
      expect(zbarRead(png)).toBe(text);
      const pbm = path.join(dir, 'code.pbm');
      writeFileSync(pbm, textToPbm(await renderQrText(text)));
      expect(zbarRead(pbm)).toBe(text);
    }
  });
});
