/** Tags as the desk keeps them (pure). */
import { describe, expect, it } from 'vitest';
import { normalizeTag, normalizeTags } from '../../src/core/tags.js';

describe('normalizeTags', () => {
  it('makes "VIP", " vip " and "Vip" one tag, lower-case, in Russian too', () => {
    expect(normalizeTags(['VIP', ' vip ', 'Vip', 'Срочно', 'срочно'])).toEqual(['vip', 'срочно']);
  });

  it('drops blank tags and sorts the rest', () => {
    expect(normalizeTags(['b2b', '  ', '', 'Alpha'])).toEqual(['alpha', 'b2b']);
    expect(normalizeTag('  Refund ')).toBe('refund');
  });
});
