/**
 * The QR encoder behind the WhatsApp login code. The symbol's structure is checked here; where
 * `zbarimg` (Debian's zbar-tools) is installed, real decoding is checked too.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeQr, type EccLevel, type QrCode } from '../../../src/adapters/whatsapp/qr-code.js';
import { renderQrSvg, renderQrText } from '../../../src/adapters/whatsapp/qr-render.js';

/** Shaped like the code WhatsApp Web emits: "2@" and four base64 fields. */
const WHATSAPP_LIKE = `2@${'Ab3+/'.repeat(18)}x,${'Zq9='.repeat(11)},${'Kp0+'.repeat(11)},${'Wm7/'.repeat(6)}=`;

/** Reads the 15 format bits from around the top-left finder, as a reader does. */
function formatInfo(qr: QrCode): { ecc: EccLevel; mask: number } {
  const m = (x: number, y: number) => (qr.modules[y]![x] ? 1 : 0);
  let bits = 0;
  const cells: Array<[number, number]> = [
    [8, 0], [8, 1], [8, 2], [8, 3], [8, 4], [8, 5], [8, 7], [8, 8], [7, 8], [5, 8], [4, 8], [3, 8], [2, 8], [1, 8], [0, 8],
  ];
  cells.forEach(([x, y], i) => (bits |= m(x, y) << i));
  const data = (bits ^ 0x5412) >>> 10;
  return { ecc: (['M', 'L', 'H', 'Q'] as const)[data >>> 3]!, mask: data & 7 };
}

function hasFinder(qr: QrCode, left: number, top: number): boolean {
  for (let dy = 0; dy < 7; dy++) {
    for (let dx = 0; dx < 7; dx++) {
      const ring = Math.max(Math.abs(dx - 3), Math.abs(dy - 3));
      if (qr.modules[top + dy]![left + dx] !== (ring !== 2)) return false;
    }
  }
  return true;
}

describe('QR encoder', () => {
  it('picks the smallest version for the data and level', () => {
    expect(encodeQr('a'.repeat(14), 'M').version).toBe(1); // byte-mode capacity of 1-M
    expect(encodeQr('a'.repeat(15), 'M').version).toBe(2);
    expect(encodeQr('a'.repeat(17), 'L').version).toBe(1);
    expect(encodeQr(WHATSAPP_LIKE).version).toBeLessThanOrEqual(12);
    expect(encodeQr('x'.repeat(2331), 'M').version).toBe(40);
    expect(() => encodeQr('x'.repeat(2332), 'M')).toThrow(RangeError);
  });

  it('draws the finders, timing patterns and format information a reader looks for', () => {
    for (const [text, ecc] of [['hello', 'M'], [WHATSAPP_LIKE, 'M'], ['Привет', 'H'], ['x'.repeat(500), 'Q']] as const) {
      const qr = encodeQr(text, ecc);
      expect(qr.size).toBe(qr.version * 4 + 17);
      expect(hasFinder(qr, 0, 0) && hasFinder(qr, qr.size - 7, 0) && hasFinder(qr, 0, qr.size - 7)).toBe(true);
      for (let i = 8; i < qr.size - 8; i++) {
        expect(qr.modules[6]![i]).toBe(i % 2 === 0);
        expect(qr.modules[i]![6]).toBe(i % 2 === 0);
      }
      expect(formatInfo(qr)).toEqual({ ecc, mask: qr.mask });
      expect(qr.modules[qr.size - 8]![8]).toBe(true); // the dark module
    }
  });

  it('renders for a terminal and as SVG, with a quiet zone', () => {
    const qr = encodeQr('hello');
    const lines = renderQrText(qr).split('\n');
    expect(lines).toHaveLength(Math.ceil((qr.size + 8) / 2));
    expect(lines.every((l) => [...l].length === qr.size + 8)).toBe(true);
    expect(lines[0]).toBe('█'.repeat(qr.size + 8)); // light quiet zone, drawn
    expect(renderQrText(qr, { ansi: true }).startsWith('\x1b[38;5;231;48;5;231m▀')).toBe(true);
    const svg = renderQrSvg(qr, 4);
    expect(svg).toContain(`width="${(qr.size + 8) * 4}"`);
    expect(svg).toContain(`viewBox="0 0 ${qr.size + 8} ${qr.size + 8}"`);
  });

  const zbar = (() => {
    try {
      execFileSync('zbarimg', ['--version'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();

  it.skipIf(!zbar)('decodes back to the text with a real reader (zbarimg)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'qr-'));
    try {
      for (const [text, ecc] of [[WHATSAPP_LIKE, 'M'], ['Привет, мир', 'L'], ['x'.repeat(900), 'H']] as const) {
        const qr = encodeQr(text, ecc);
        const side = qr.size + 8;
        const rows: string[] = [];
        for (let y = 0; y < side * 3; y++) {
          const row: string[] = [];
          for (let x = 0; x < side * 3; x++) {
            const mx = Math.floor(x / 3) - 4;
            const my = Math.floor(y / 3) - 4;
            row.push(mx >= 0 && my >= 0 && mx < qr.size && my < qr.size && qr.modules[my]![mx] ? '1' : '0');
          }
          rows.push(row.join(' '));
        }
        const file = path.join(dir, 'code.pbm');
        writeFileSync(file, `P1\n${side * 3} ${side * 3}\n${rows.join('\n')}\n`);
        const decoded = execFileSync('zbarimg', ['-q', '--raw', '-Sbinary', file], { stdio: ['ignore', 'pipe', 'ignore'] }).toString('utf8');
        expect(decoded.replace(/\n$/, '')).toBe(text);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
