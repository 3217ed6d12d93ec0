/**
 * Article ids made from titles: readable, ASCII (they end up in URLs, file names and button
 * ids), and suffixed with the language like the sample KB ("delivery-time-ru").
 */
import type { KbLang } from './article.js';

const CYRILLIC_TO_LATIN: Record<string, string> = {
  а: 'a', б: 'b', в: 'v', г: 'g', д: 'd', е: 'e', ё: 'e', ж: 'zh', з: 'z', и: 'i', й: 'y', к: 'k', л: 'l', м: 'm',
  н: 'n', о: 'o', п: 'p', р: 'r', с: 's', т: 't', у: 'u', ф: 'f', х: 'kh', ц: 'ts', ч: 'ch', ш: 'sh', щ: 'shch',
  ъ: '', ы: 'y', ь: '', э: 'e', ю: 'yu', я: 'ya',
};
const MAX_BASE = 60;

/** "Сколько идёт доставка?" + ru → "skolko-idet-dostavka-ru"; `n` > 1 adds a counter before the language. */
export function slugify(title: string, lang: KbLang, n = 1): string {
  const latin = [...title.normalize('NFKC').toLowerCase()].map((ch) => CYRILLIC_TO_LATIN[ch] ?? ch).join('');
  const words = latin
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
  let base = '';
  for (const w of words) {
    const next = base ? `${base}-${w}` : w;
    if (next.length > MAX_BASE) break;
    base = next;
  }
  base ||= words[0]?.slice(0, MAX_BASE) || 'article';
  return n > 1 ? `${base}-${n}-${lang}` : `${base}-${lang}`;
}
