/**
 * A small QR code encoder (ISO/IEC 18004, model 2): byte mode, versions 1–40, a chosen error
 * correction level, the mask with the lowest penalty. Enough to show WhatsApp's login code in a
 * terminal and as an image without a dependency (none of the project's packages ships one).
 *
 *   text ─UTF-8─▶ bit stream (mode, length, bytes, terminator, padding)
 *        ─▶ blocks + Reed–Solomon error correction, interleaved
 *        ─▶ zigzag into the matrix around the function patterns ─▶ mask ─▶ format/version info
 */

export type EccLevel = 'L' | 'M' | 'Q' | 'H';

/** The encoded symbol: `modules[y][x]` is true for a dark module. */
export interface QrCode {
  version: number;
  ecc: EccLevel;
  mask: number;
  size: number;
  modules: boolean[][];
}

const ECC_ROW: Record<EccLevel, number> = { L: 0, M: 1, Q: 2, H: 3 };
/** The two format-information bits of each level (not in L-M-Q-H order). */
const ECC_FORMAT_BITS: Record<EccLevel, number> = { L: 1, M: 0, Q: 3, H: 2 };

// The standard's table of error correction: per level (L, M, Q, H), indexed by version (0 unused).
const ECC_CODEWORDS_PER_BLOCK = [
  [0, 7, 10, 15, 20, 26, 18, 20, 24, 30, 18, 20, 24, 26, 30, 22, 24, 28, 30, 28, 28, 28, 28, 30, 30, 26, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30],
  [0, 10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26, 26, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28],
  [0, 13, 22, 18, 26, 18, 24, 18, 22, 20, 24, 28, 26, 24, 20, 30, 24, 28, 28, 26, 30, 28, 30, 30, 30, 30, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30],
  [0, 17, 28, 22, 16, 22, 28, 26, 26, 24, 28, 24, 28, 22, 24, 24, 30, 28, 28, 26, 28, 30, 24, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30],
];
const ERROR_CORRECTION_BLOCKS = [
  [0, 1, 1, 1, 1, 1, 2, 2, 2, 2, 4, 4, 4, 4, 4, 6, 6, 6, 6, 7, 8, 8, 9, 9, 10, 12, 12, 12, 13, 14, 15, 16, 17, 18, 19, 19, 20, 21, 22, 24, 25],
  [0, 1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16, 17, 17, 18, 20, 21, 23, 25, 26, 28, 29, 31, 33, 35, 37, 38, 40, 43, 45, 47, 49],
  [0, 1, 1, 2, 2, 4, 4, 6, 6, 8, 8, 8, 10, 12, 16, 12, 17, 16, 18, 21, 20, 23, 23, 25, 27, 29, 34, 34, 35, 38, 40, 43, 45, 48, 51, 53, 56, 59, 62, 65, 68],
  [0, 1, 1, 2, 4, 4, 4, 5, 6, 8, 8, 11, 11, 16, 16, 18, 16, 19, 21, 25, 25, 25, 34, 30, 32, 35, 37, 40, 42, 45, 48, 51, 54, 57, 60, 63, 66, 70, 74, 77, 81],
];

/** Encodes `text` (as UTF-8 bytes) in the smallest version that holds it at `ecc`. */
export function encodeQr(text: string, ecc: EccLevel = 'M'): QrCode {
  const bytes = Buffer.from(text, 'utf8');
  for (let version = 1; version <= 40; version++) {
    const layout = new Layout(version);
    const capacity = dataCodewords(layout.dataModules, version, ecc);
    const lengthBits = version < 10 ? 8 : 16;
    if (4 + lengthBits + bytes.length * 8 > capacity * 8) continue;
    const data = dataStream(bytes, lengthBits, capacity);
    return layout.finish(interleave(data, version, ecc), ecc);
  }
  throw new RangeError(`text of ${bytes.length} bytes does not fit in a QR code at level ${ecc}`);
}

function dataCodewords(dataModules: number, version: number, ecc: EccLevel): number {
  const row = ECC_ROW[ecc];
  return Math.floor(dataModules / 8) - ECC_CODEWORDS_PER_BLOCK[row]![version]! * ERROR_CORRECTION_BLOCKS[row]![version]!;
}

/** Mode (byte), length, the bytes, a terminator, then padding codewords up to `capacity`. */
function dataStream(bytes: Uint8Array, lengthBits: number, capacity: number): number[] {
  const bits = new BitWriter();
  bits.write(0b0100, 4);
  bits.write(bytes.length, lengthBits);
  for (const b of bytes) bits.write(b, 8);
  bits.write(0, Math.min(4, capacity * 8 - bits.length));
  bits.write(0, (8 - (bits.length % 8)) % 8);
  const out = bits.bytes();
  for (let pad = 0xec; out.length < capacity; pad ^= 0xec ^ 0x11) out.push(pad);
  return out;
}

/** Splits the data into blocks, adds each block's error correction, and interleaves them all. */
function interleave(data: number[], version: number, ecc: EccLevel): number[] {
  const row = ECC_ROW[ecc];
  const blockCount = ERROR_CORRECTION_BLOCKS[row]![version]!;
  const eccLength = ECC_CODEWORDS_PER_BLOCK[row]![version]!;
  const total = data.length + blockCount * eccLength;
  // Some blocks ("long") carry one data codeword more than the others; the short ones come first.
  const longBlocks = total % blockCount;
  const shortData = Math.floor(total / blockCount) - eccLength;
  const generator = rsGenerator(eccLength);
  const blocks: Array<{ data: number[]; ecc: number[] }> = [];
  for (let b = 0, at = 0; b < blockCount; b++) {
    const length = shortData + (b >= blockCount - longBlocks ? 1 : 0);
    const chunk = data.slice(at, at + length);
    at += length;
    blocks.push({ data: chunk, ecc: rsRemainder(chunk, generator) });
  }
  const out: number[] = [];
  for (let i = 0; i <= shortData; i++) for (const block of blocks) if (i < block.data.length) out.push(block.data[i]!);
  for (let i = 0; i < eccLength; i++) for (const block of blocks) out.push(block.ecc[i]!);
  return out;
}

// --- Reed–Solomon over GF(256) with the polynomial x^8 + x^4 + x^3 + x^2 + 1 (0x11d).

const EXP = new Uint8Array(512);
const LOG = new Uint8Array(256);
for (let i = 0, x = 1; i < 255; i++) {
  EXP[i] = x;
  LOG[x] = i;
  x <<= 1;
  if (x & 0x100) x ^= 0x11d;
}
for (let i = 255; i < 512; i++) EXP[i] = EXP[i - 255]!;

function gfMul(a: number, b: number): number {
  return a === 0 || b === 0 ? 0 : EXP[LOG[a]! + LOG[b]!]!;
}

/** The generator polynomial (x − α⁰)(x − α¹)…(x − α^(n−1)), highest degree first. */
function rsGenerator(degree: number): number[] {
  let poly = [1];
  for (let i = 0; i < degree; i++) {
    const next = new Array<number>(poly.length + 1).fill(0);
    for (let j = 0; j < poly.length; j++) {
      next[j]! ^= poly[j]!;
      next[j + 1]! ^= gfMul(poly[j]!, EXP[i]!);
    }
    poly = next;
  }
  return poly;
}

/** The remainder of data·x^n divided by the generator: the block's error correction codewords. */
function rsRemainder(data: number[], generator: number[]): number[] {
  const degree = generator.length - 1;
  const rem = new Array<number>(degree).fill(0);
  for (const byte of data) {
    const factor = byte ^ rem.shift()!;
    rem.push(0);
    for (let k = 0; k < degree; k++) rem[k]! ^= gfMul(generator[k + 1]!, factor);
  }
  return rem;
}

class BitWriter {
  private readonly bits: number[] = [];

  get length(): number {
    return this.bits.length;
  }

  write(value: number, count: number): void {
    for (let i = count - 1; i >= 0; i--) this.bits.push((value >>> i) & 1);
  }

  bytes(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.bits.length; i += 8) {
      let byte = 0;
      for (let j = 0; j < 8; j++) byte = (byte << 1) | (this.bits[i + j] ?? 0);
      out.push(byte);
    }
    return out;
  }
}

// --- The matrix.

const MASKS: Array<(x: number, y: number) => boolean> = [
  (x, y) => (x + y) % 2 === 0,
  (_x, y) => y % 2 === 0,
  (x) => x % 3 === 0,
  (x, y) => (x + y) % 3 === 0,
  (x, y) => (Math.floor(y / 2) + Math.floor(x / 3)) % 2 === 0,
  (x, y) => ((x * y) % 2) + ((x * y) % 3) === 0,
  (x, y) => (((x * y) % 2) + ((x * y) % 3)) % 2 === 0,
  (x, y) => (((x + y) % 2) + ((x * y) % 3)) % 2 === 0,
];

/** One version's matrix: the function patterns drawn, and which modules they take. */
class Layout {
  readonly size: number;
  readonly modules: boolean[][];
  /** Modules of finder, timing, alignment, format and version patterns: never data, never masked. */
  readonly reserved: boolean[][];
  readonly dataModules: number;

  constructor(readonly version: number) {
    const size = (this.size = version * 4 + 17);
    this.modules = Array.from({ length: size }, () => new Array<boolean>(size).fill(false));
    this.reserved = Array.from({ length: size }, () => new Array<boolean>(size).fill(false));
    for (let i = 0; i < size; i++) {
      this.set(6, i, i % 2 === 0);
      this.set(i, 6, i % 2 === 0);
    }
    this.finder(3, 3);
    this.finder(size - 4, 3);
    this.finder(3, size - 4);
    const centres = alignmentCentres(version);
    for (const cx of centres) {
      for (const cy of centres) {
        // Not where the finders are.
        const nearFinder = (cx === 6 && cy === 6) || (cx === 6 && cy === size - 7) || (cx === size - 7 && cy === 6);
        if (!nearFinder) this.alignment(cx, cy);
      }
    }
    this.format(0, 'M'); // reserves the format areas; redrawn with the real values at the end
    this.versionInfo();
    this.dataModules = this.reserved.flat().filter((r) => !r).length;
  }

  /** Places the codewords, picks the mask with the lowest penalty, and draws the format bits. */
  finish(codewords: number[], ecc: EccLevel): QrCode {
    this.place(codewords);
    let best = { mask: 0, penalty: Infinity };
    for (let mask = 0; mask < 8; mask++) {
      this.applyMask(mask);
      this.format(mask, ecc);
      const p = penalty(this.modules);
      if (p < best.penalty) best = { mask, penalty: p };
      this.applyMask(mask); // XOR again: undone
    }
    this.applyMask(best.mask);
    this.format(best.mask, ecc);
    return { version: this.version, ecc, mask: best.mask, size: this.size, modules: this.modules };
  }

  private set(x: number, y: number, dark: boolean): void {
    this.modules[y]![x] = dark;
    this.reserved[y]![x] = true;
  }

  /** A 7×7 finder with its light separator, centred at (cx, cy); parts off the symbol are skipped. */
  private finder(cx: number, cy: number): void {
    for (let dy = -4; dy <= 4; dy++) {
      for (let dx = -4; dx <= 4; dx++) {
        const x = cx + dx;
        const y = cy + dy;
        if (x < 0 || y < 0 || x >= this.size || y >= this.size) continue;
        const ring = Math.max(Math.abs(dx), Math.abs(dy));
        this.set(x, y, ring !== 2 && ring !== 4);
      }
    }
  }

  private alignment(cx: number, cy: number): void {
    for (let dy = -2; dy <= 2; dy++) for (let dx = -2; dx <= 2; dx++) this.set(cx + dx, cy + dy, Math.max(Math.abs(dx), Math.abs(dy)) !== 1);
  }

  /** The 15 format bits (level and mask, BCH-protected, XOR 0x5412), twice, and the dark module. */
  private format(mask: number, ecc: EccLevel): void {
    const data = (ECC_FORMAT_BITS[ecc] << 3) | mask;
    const bits = ((data << 10) | bchRemainder(data, 0x537, 10)) ^ 0x5412;
    const bit = (i: number) => ((bits >>> i) & 1) === 1;
    const s = this.size;
    for (let i = 0; i <= 5; i++) this.set(8, i, bit(i));
    this.set(8, 7, bit(6));
    this.set(8, 8, bit(7));
    this.set(7, 8, bit(8));
    for (let i = 9; i < 15; i++) this.set(14 - i, 8, bit(i));
    for (let i = 0; i < 8; i++) this.set(s - 1 - i, 8, bit(i));
    for (let i = 8; i < 15; i++) this.set(8, s - 15 + i, bit(i));
    this.set(8, s - 8, true);
  }

  /** From version 7: the version number (BCH-protected), in two 6×3 blocks. */
  private versionInfo(): void {
    if (this.version < 7) return;
    const bits = (this.version << 12) | bchRemainder(this.version, 0x1f25, 12);
    for (let i = 0; i < 18; i++) {
      const dark = ((bits >>> i) & 1) === 1;
      const a = this.size - 11 + (i % 3);
      const b = Math.floor(i / 3);
      this.set(a, b, dark);
      this.set(b, a, dark);
    }
  }

  /** Codeword bits, most significant first, in two-column strips from the right, up and down in turn. */
  private place(codewords: number[]): void {
    const total = codewords.length * 8;
    let i = 0;
    for (let right = this.size - 1; right >= 1; right -= 2) {
      if (right === 6) right = 5; // the vertical timing pattern's column is skipped
      const upward = ((right + 1) & 2) === 0;
      for (let step = 0; step < this.size; step++) {
        const y = upward ? this.size - 1 - step : step;
        for (const x of [right, right - 1]) {
          if (this.reserved[y]![x] || i >= total) continue;
          this.modules[y]![x] = ((codewords[i >>> 3]! >>> (7 - (i & 7))) & 1) === 1;
          i++;
        }
      }
    }
  }

  private applyMask(mask: number): void {
    const flips = MASKS[mask]!;
    for (let y = 0; y < this.size; y++) for (let x = 0; x < this.size; x++) if (!this.reserved[y]![x] && flips(x, y)) this.modules[y]![x] = !this.modules[y]![x];
  }
}

/** Alignment pattern centres of a version (on both axes). */
function alignmentCentres(version: number): number[] {
  if (version === 1) return [];
  const count = Math.floor(version / 7) + 2;
  const last = version * 4 + 10;
  const step = version === 32 ? 26 : Math.ceil((version * 4 + 4) / (count * 2 - 2)) * 2;
  const centres = [6];
  for (let pos = last - step * (count - 2); pos <= last; pos += step) centres.push(pos);
  return centres;
}

/** The remainder of value·x^degree divided by the generator polynomial `poly` over GF(2). */
function bchRemainder(value: number, poly: number, degree: number): number {
  let rem = value << degree;
  const top = 31 - Math.clz32(poly);
  for (let bit = 31 - Math.clz32(rem); bit >= top; bit--) if ((rem >>> bit) & 1) rem ^= poly << (bit - top);
  return rem;
}

/** The standard's penalty of a masked symbol: long runs, 2×2 blocks, finder look-alikes, imbalance. */
function penalty(m: boolean[][]): number {
  const size = m.length;
  let score = 0;
  const lines: boolean[][] = [...m, ...m.map((_, x) => m.map((row) => row[x]!))];
  for (const line of lines) {
    let run = 1;
    for (let i = 1; i <= size; i++) {
      if (i < size && line[i] === line[i - 1]) run++;
      else {
        if (run >= 5) score += run - 2;
        run = 1;
      }
    }
    // 1:1:3:1:1 dark-light pattern with four light modules on one side.
    for (let i = 0; i + 7 <= size; i++) {
      if (!(line[i] && !line[i + 1] && line[i + 2] && line[i + 3] && line[i + 4] && !line[i + 5] && line[i + 6])) continue;
      const lightBefore = [1, 2, 3, 4].every((k) => i - k < 0 || !line[i - k]);
      const lightAfter = [7, 8, 9, 10].every((k) => i + k >= size || !line[i + k]);
      if (lightBefore || lightAfter) score += 40;
    }
  }
  let dark = 0;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      if (m[y]![x]) dark++;
      if (x + 1 < size && y + 1 < size && m[y]![x] === m[y]![x + 1] && m[y]![x] === m[y + 1]![x] && m[y]![x] === m[y + 1]![x + 1]) score += 3;
    }
  }
  score += Math.floor(Math.abs((dark * 20) / (size * size) - 10)) * 10;
  return score;
}
