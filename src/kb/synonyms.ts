/**
 * Small hand-written synonym groups of general customer-support vocabulary.
 *
 * Each group lists words or short phrases that customers use for the same
 * thing; the first entry is the canonical form. Both articles and incoming
 * messages are rewritten to the canonical form, so "reimburse" finds an
 * article that says "refund". The groups are deliberately generic (orders,
 * money, accounts, problems), not tuned to any benchmark.
 */
import { normalize, stem, tokenize } from './normalize.js';

/** English synonym groups; first entry is canonical. */
export const EN_SYNONYMS: readonly (readonly string[])[] = [
  ['refund', 'reimburse', 'reimbursement', 'reimbursed', 'money back'],
  ['cancel', 'revoke', 'call off', 'cancellation'],
  ['deliver', 'delivery', 'deliveries', 'shipping', 'ship', 'shipped', 'shipment', 'dispatch', 'dispatched'],
  ['receive', 'received', 'obtain', 'obtained'],
  ['buy', 'purchase', 'purchased', 'bought'],
  ['price', 'cost', 'costs'],
  ['fee', 'fees', 'commission', 'surcharge'],
  ['change', 'modify', 'edit', 'alter', 'amend'],
  ['delete', 'remove', 'erase'],
  ['account', 'profile'],
  ['log in', 'login', 'sign in', 'signin', 'log on', 'logon'],
  ['log out', 'logout', 'sign out', 'signout'],
  ['sign up', 'signup', 'register', 'registration'],
  ['password', 'passcode', 'pass word'],
  ['phone', 'mobile', 'cellphone', 'cell phone', 'smartphone', 'telephone'],
  // Russian customers type "email" too, so the group spans both scripts.
  ['email', 'e mail', 'почта', 'имейл', 'емейл', 'электронная почта'],
  ['problem', 'issue', 'trouble'],
  ['broken', 'not work', 'not working', 'faulty', 'defective', 'malfunction', 'malfunctioning'],
  ['wrong', 'incorrect', 'mistaken', 'erroneous'],
  ['mistake', 'error'],
  ['verify', 'verification', 'confirm identity'],
  ['activate', 'activation', 'enable'],
  ['limit', 'limits', 'maximum', 'max'],
  ['decline', 'declined', 'reject', 'rejected', 'refused', 'denied'],
  ['lost', 'lose', 'misplaced'],
  ['stolen', 'steal', 'stole', 'theft'],
  ['abroad', 'overseas', 'foreign country', 'another country'],
  ['top up', 'topup', 'add money', 'add funds', 'load money'],
  ['promo code', 'promocode', 'coupon', 'voucher', 'discount code'],
  ['warranty', 'guarantee'],
  ['contact', 'get in touch', 'reach you'],
  ['track', 'trace', 'tracking'],
  ['parcel', 'package'],
];

/** Russian synonym groups; first entry is canonical. */
export const RU_SYNONYMS: readonly (readonly string[])[] = [
  ['возврат', 'вернуть', 'верните', 'вернуть деньги', 'возвратить', 'вернуть средства'],
  ['отменить', 'отмена', 'аннулировать', 'отозвать'],
  ['доставка', 'доставить', 'доставят', 'привезти', 'привезут', 'привезете', 'привезли'],
  ['получить', 'получение', 'получил', 'получила', 'получу'],
  ['купить', 'покупка', 'приобрести', 'приобретение'],
  ['цена', 'стоимость', 'сколько стоит'],
  ['комиссия', 'сбор'],
  ['изменить', 'поменять', 'сменить', 'исправить', 'редактировать', 'изменение'],
  ['удалить', 'стереть', 'удаление'],
  ['аккаунт', 'учетная запись', 'профиль', 'личный кабинет', 'кабинет'],
  ['войти', 'вход', 'зайти', 'залогиниться', 'авторизоваться', 'авторизация'],
  ['регистрация', 'зарегистрироваться'],
  ['пароль', 'код доступа'],
  ['телефон', 'мобильный', 'смартфон'],
  ['проблема', 'неполадка', 'неприятность'],
  ['сломан', 'не работает', 'не работают', 'сломался', 'сломалась', 'неисправен', 'неисправность', 'глючит'],
  ['неправильный', 'неверный', 'ошибочный', 'некорректный'],
  ['ошибка', 'сбой'],
  ['подтвердить', 'подтверждение', 'верификация', 'верифицировать'],
  ['активировать', 'активация', 'включить'],
  ['лимит', 'ограничение', 'максимум', 'максимальная сумма'],
  ['отклонить', 'отклонен', 'отклонили', 'отклонена', 'отказ', 'отказали'],
  ['потерять', 'потерял', 'потеряла', 'утерян', 'утеряна', 'потеря'],
  ['украсть', 'украли', 'украдена', 'кража'],
  ['за границей', 'за рубежом', 'заграница', 'в другой стране'],
  ['пополнить', 'пополнение', 'внести деньги', 'положить деньги', 'зачислить'],
  ['промокод', 'промо код', 'купон', 'код скидки'],
  ['гарантия', 'гарантийный'],
  ['связаться', 'контакт', 'контакты'],
  ['отследить', 'отслеживание', 'трек', 'трекинг'],
  ['посылка', 'отправление', 'бандероль'],
  ['деньги', 'средства', 'денежные средства'],
  ['оплата', 'оплатить', 'платеж', 'заплатить', 'платить'],
];

/** Compiled synonym table: stem sequence of a phrase → canonical term. */
export interface SynonymTable {
  /** Keyed by the first stem of a phrase; phrases sorted longest first. */
  byFirst: Map<string, { stems: string[]; canonical: string }[]>;
}

/** Stem a phrase without dropping stop words, so "top up" keeps "up". */
function phraseStems(phrase: string): string[] {
  return tokenize(normalize(phrase)).map(stem);
}

/** Build the lookup table; canonical multi-word terms are joined with "_". */
export function compileSynonyms(groups: readonly (readonly string[])[]): SynonymTable {
  const byFirst = new Map<string, { stems: string[]; canonical: string }[]>();
  for (const group of groups) {
    const first = group[0];
    if (first === undefined) continue;
    const canonical = phraseStems(first).join('_');
    for (const phrase of group) {
      const stems = phraseStems(phrase);
      const head = stems[0];
      if (head === undefined) continue;
      const list = byFirst.get(head) ?? [];
      list.push({ stems, canonical });
      list.sort((a, b) => b.stems.length - a.stems.length);
      byFirst.set(head, list);
    }
  }
  return { byFirst };
}

/** Both languages in one table: stems of Cyrillic and Latin words never collide. */
export const DEFAULT_SYNONYMS: SynonymTable = compileSynonyms([...EN_SYNONYMS, ...RU_SYNONYMS]);

/** True when `stem` starts a synonym entry: it will be rewritten, so it is not a typo. */
export function isSynonymStem(stem: string, table: SynonymTable = DEFAULT_SYNONYMS): boolean {
  return table.byFirst.has(stem);
}

/**
 * Rewrite a stem sequence to canonical terms. Returns, for each output term,
 * the index of the first input token it came from, so callers can keep
 * per-token flags (stop word, typo-corrected) aligned.
 */
export function applySynonyms(
  stems: readonly string[],
  table: SynonymTable = DEFAULT_SYNONYMS,
): { terms: string[]; from: number[]; span: number[] } {
  const terms: string[] = [];
  const from: number[] = [];
  const span: number[] = [];
  let i = 0;
  while (i < stems.length) {
    const options = table.byFirst.get(stems[i] as string);
    let matched = false;
    if (options) {
      for (const opt of options) {
        if (opt.stems.every((s, k) => stems[i + k] === s)) {
          terms.push(opt.canonical);
          from.push(i);
          span.push(opt.stems.length);
          i += opt.stems.length;
          matched = true;
          break;
        }
      }
    }
    if (!matched) {
      terms.push(stems[i] as string);
      from.push(i);
      span.push(1);
      i++;
    }
  }
  return { terms, from, span };
}
