// @ts-check
/**
 * OmniDesk web chat widget. Embed with one line:
 *   <script src="https://desk.example.com/widget.js" async></script>
 * Optional data-lang="ru" | "en" on that tag; otherwise navigator.language decides.
 *
 * Plain ES2020, no build step, no dependencies. Everything lives in an open shadow root, so the
 * host page's CSS can neither break the widget nor be broken by it. Data from the server or the
 * visitor only ever reaches the DOM through createElement / text nodes, never as HTML.
 */
(() => {
  'use strict';

  /** @typedef {'ru' | 'en'} Lang */
  /** @typedef {{ id: string, label: string }} Topic */
  /** @typedef {{ title: string, botName: string, topics: Topic[], maxFileBytes: number }} WidgetConfig */
  /**
   * A file the visitor attached to the message being written: uploading, then its signed reference.
   * @typedef {{ name: string, size: number, ref: string | null, failed: boolean, el: HTMLElement }} PendingFile
   */
  /** @typedef {{ id: string, label: string }} MsgButton */
  /** @typedef {{ id: string, kind: string, name: string | null, mimeType: string | null, size: number | null }} MsgFile */
  /** @typedef {'customer' | 'bot' | 'agent' | 'system'} AuthorKind */
  /**
   * "in" = from the customer.
   * @typedef {{ id: string, clientId?: string, direction: 'in' | 'out', author: { kind: AuthorKind, name: string | null },
   *   text: string, buttons: MsgButton[], sentAt: string, editedAt?: string, attachments?: MsgFile[] }} WidgetMessage
   */
  /** @typedef {{ id: string, title: string, snippet: string }} Article */
  /** @typedef {{ type: 'start' | 'message' | 'button', clientId: string } & Record<string, unknown>} OutFrame */
  /** @typedef {'loading' | 'form' | 'chat'} View */

  // document.currentScript is only set while this file is first evaluated: capture it now.
  const script = /** @type {HTMLScriptElement | null} */ (
    document.currentScript || document.querySelector('script[src*="widget.js"]'));
  // A page that includes the snippet twice still gets one widget.
  if (!script || document.getElementById('omnidesk-widget')) return;

  const BASE = new URL(script.src, location.href).origin;
  const WS_BASE = BASE.replace(/^http/, 'ws'); // http → ws, https → wss
  const TOKEN_KEY = 'omnidesk.token';
  const SEEN_KEY = 'omnidesk.seen'; // id of the newest reply the visitor has had in front of them
  const MAX_BACKOFF_MS = 15000;
  const SUGGEST_DELAY_MS = 300;
  const SUGGEST_MIN_CHARS = 3;
  // The longest message the server takes (src/adapters/widget/protocol.ts); a counter shows from 90 % of it.
  const MAX_TEXT = 10000;
  const COUNTER_FROM = 9000;

  const TEXTS = {
    ru: {
      title: 'Поддержка', bot: 'Бот', agent: 'Оператор', open: 'Открыть чат', close: 'Закрыть чат',
      intro: 'Оставьте контакты и опишите вопрос — ответим прямо здесь.',
      name: 'Имя', contact: 'Email или телефон', topic: 'Тема', anyTopic: 'Не знаю / другое', message: 'Сообщение',
      submit: 'Начать чат', sending: 'Отправляем…', input: 'Напишите сообщение…', send: 'Отправить',
      connecting: 'Подключение…', ticket: 'Обращение №', suggest: 'Возможно, поможет:', failed: 'Не отправлено',
      nameRequired: 'Укажите, пожалуйста, имя.', contactRequired: 'Укажите email или телефон.',
      contactInvalid: 'Похоже, в email или телефоне опечатка.', messageRequired: 'Напишите, пожалуйста, сообщение.',
      generic: 'Что-то пошло не так. Попробуйте ещё раз.',
      rating: 'Оценка от 1 до 5', of5: 'из 5', edited: 'изменено',
      tooLong: 'Длиннее сообщение быть не может: остальное отправьте следующим.',
      attach: 'Прикрепить файл', remove: 'Убрать', uploading: 'загружается…',
      fileTooLarge: 'Файл «{name}» больше {limit}: такой не отправить.', uploadFailed: 'Не удалось загрузить «{name}». Попробуйте ещё раз.',
      waitUpload: 'Файл ещё загружается: отправим, когда он будет готов — нажмите ещё раз через секунду.',
      tooManyUploads: 'Слишком много файлов за час: попробуйте позже.',
      units: ['Б', 'КБ', 'МБ'],
    },
    en: {
      title: 'Support', bot: 'Bot', agent: 'Agent', open: 'Open chat', close: 'Close chat',
      intro: 'Leave your contacts and describe your question — we will reply right here.',
      name: 'Name', contact: 'Email or phone', topic: 'Topic', anyTopic: 'Not sure / other', message: 'Message',
      submit: 'Start chat', sending: 'Sending…', input: 'Type a message…', send: 'Send',
      connecting: 'Connecting…', ticket: 'Ticket #', suggest: 'This might help:', failed: 'Not sent',
      nameRequired: 'Please enter your name.', contactRequired: 'Please enter your email or phone.',
      contactInvalid: 'The email or phone looks mistyped.', messageRequired: 'Please write a message.',
      generic: 'Something went wrong. Please try again.',
      rating: 'Rating from 1 to 5', of5: 'of 5', edited: 'edited',
      tooLong: 'A message cannot be longer: send the rest in another one.',
      attach: 'Attach a file', remove: 'Remove', uploading: 'uploading…',
      fileTooLarge: 'The file "{name}" is larger than {limit}: it cannot be sent.', uploadFailed: 'Could not upload "{name}". Please try again.',
      waitUpload: 'A file is still uploading: press send again in a moment.',
      tooManyUploads: 'Too many files this hour: please try again later.',
      units: ['B', 'KB', 'MB'],
    },
  };

  /** @type {Lang} */
  const LANG = pickLang(script.dataset.lang);
  const T = TEXTS[LANG];

  /** @param {string | undefined} attr @returns {Lang} */
  function pickLang(attr) {
    if (attr === 'ru' || attr === 'en') return attr;
    return (navigator.language || '').toLowerCase().startsWith('ru') ? 'ru' : 'en';
  }

  // localStorage throws in some privacy modes; then the session simply lasts for this page only.
  const store = {
    /** @param {string} key */
    get(key) { try { return localStorage.getItem(key); } catch { return null; } },
    /** @param {string} key @param {string} value */
    set(key, value) { try { localStorage.setItem(key, value); } catch { /* see above */ } },
  };

  const state = {
    /** @type {WidgetConfig} */ config: { title: T.title, botName: T.bot, topics: [], maxFileBytes: 20 * 1024 * 1024 },
    /** @type {PendingFile[]} */ pendingFiles: [],
    configLoaded: false,
    token: store.get(TOKEN_KEY),
    /** @type {WebSocket | null} */ ws: null,
    ready: false, // the current socket said hello: only then may frames go out
    connecting: false,
    booted: false,
    open: false,
    attempt: 0,
    /** @type {ReturnType<typeof setTimeout> | undefined} */ retryTimer: undefined,
    /** @type {View} */ view: 'loading',
    /** @type {string | null} */ startClientId: null, // the form's start frame, until the server answers it
    /** @type {Map<string, OutFrame>} */ outbox: new Map(), // unacknowledged frames by clientId, re-sent on reconnect
    /** @type {Map<string, HTMLElement>} */ byId: new Map(),
    /** @type {Map<string, HTMLElement>} */ byClientId: new Map(),
    /** @type {string | null} */ lastOutId: null, // the newest message from our side
  };

  // ---------------------------------------------------------------- DOM helpers

  /**
   * Creates an element. String children become text nodes, so nothing is ever parsed as HTML.
   * @template {keyof HTMLElementTagNameMap} K
   * @param {K} tag @param {Record<string, string>} [attrs] @param {(Node | string)[]} [children]
   * @returns {HTMLElementTagNameMap[K]}
   */
  function h(tag, attrs = {}, children = []) {
    const el = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs)) el.setAttribute(name, value);
    el.append(...children);
    return el;
  }

  /** @param {string} d SVG path data (our own constants) @returns {SVGSVGElement} */
  function icon(d) {
    const ns = 'http://www.w3.org/2000/svg';
    const svg = document.createElementNS(ns, 'svg');
    const path = document.createElementNS(ns, 'path');
    svg.setAttribute('viewBox', '0 0 24 24');
    svg.setAttribute('aria-hidden', 'true');
    path.setAttribute('d', d);
    svg.append(path);
    return svg;
  }

  const CHAT_ICON = 'M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z';
  const CLOSE_ICON = 'M6 6l12 12M18 6L6 18';
  const SEND_ICON = 'M3 11l18-8-8 18-2-8-8-2z';
  const CLIP_ICON = 'M15 7l-7.5 7.5a2 2 0 0 0 2.8 2.8L18 9.6a4 4 0 0 0-5.6-5.7L4.6 11.7a6 6 0 0 0 8.5 8.5L19 14.3';

  /** @param {string} label @param {HTMLElement} control */
  function field(label, control) {
    return h('label', { class: 'od-label' }, [h('span', {}, [label]), control]);
  }

  // ---------------------------------------------------------------- building the UI

  const host = h('div', { id: 'omnidesk-widget' });
  const shadow = host.attachShadow({ mode: 'open' });

  const bubble = h('button', { type: 'button', class: 'od-launcher', 'data-testid': 'od-bubble',
    'aria-label': T.open, 'aria-expanded': 'false' });
  const closeBtn = h('button', { type: 'button', class: 'od-close', 'data-testid': 'od-close',
    'aria-label': T.close }, [icon(CLOSE_ICON)]);
  const titleEl = h('div', { class: 'od-title' }, [T.title]);
  const subtitleEl = h('div', { class: 'od-subtitle' });
  const statusEl = h('div', { class: 'od-status', 'data-testid': 'od-status', role: 'status' }, [T.connecting]);
  const errorEl = h('div', { class: 'od-error', 'data-testid': 'od-error', role: 'alert', hidden: '' });
  const suggestList = h('ul', { class: 'od-suggest-list' });
  const suggestBox = h('div', { class: 'od-suggestions', 'data-testid': 'od-suggestions', hidden: '' },
    [h('div', { class: 'od-suggest-caption' }, [T.suggest]), suggestList]);

  // Pre-chat form.
  const nameInput = h('input', { type: 'text', class: 'od-field', 'data-testid': 'od-name',
    autocomplete: 'name', maxlength: '100' });
  const contactInput = h('input', { type: 'text', class: 'od-field', 'data-testid': 'od-contact',
    autocomplete: 'email', inputmode: 'email', maxlength: '200' });
  const topicSelect = h('select', { class: 'od-field', 'data-testid': 'od-topic' });
  const formMessage = h('textarea', { class: 'od-field', 'data-testid': 'od-form-message', rows: '4',
    maxlength: String(MAX_TEXT) });
  const formCounter = h('div', { class: 'od-counter', 'data-testid': 'od-form-counter', 'aria-live': 'polite', hidden: '' });
  const submitBtn = h('button', { type: 'submit', class: 'od-primary', 'data-testid': 'od-submit' }, [T.submit]);
  const topicRow = field(T.topic, topicSelect);
  const formSuggestSlot = h('div', { class: 'od-slot' });
  const formErrorSlot = h('div', { class: 'od-slot' });
  const form = h('form', { class: 'od-form', 'data-testid': 'od-form', novalidate: '', hidden: '' }, [
    h('p', { class: 'od-intro' }, [T.intro]),
    field(T.name, nameInput), field(T.contact, contactInput), topicRow, field(T.message, formMessage), formCounter,
    formSuggestSlot, formErrorSlot, submitBtn,
  ]);

  // Chat.
  const messagesEl = h('div', { class: 'od-messages', 'data-testid': 'od-messages', 'aria-live': 'polite' });
  const chatInput = h('textarea', { class: 'od-input', 'data-testid': 'od-input', rows: '1',
    placeholder: T.input, 'aria-label': T.input, maxlength: String(MAX_TEXT) });
  const chatCounter = h('div', { class: 'od-counter', 'data-testid': 'od-counter', 'aria-live': 'polite', hidden: '' });
  const sendBtn = h('button', { type: 'button', class: 'od-send', 'data-testid': 'od-send',
    'aria-label': T.send }, [icon(SEND_ICON)]);
  const fileInput = h('input', { type: 'file', multiple: '', hidden: '', 'data-testid': 'od-file-input' });
  const attachBtn = h('button', { type: 'button', class: 'od-attach', 'data-testid': 'od-attach',
    'aria-label': T.attach, title: T.attach }, [icon(CLIP_ICON)]);
  const pendingFilesEl = h('div', { class: 'od-pending-files', 'data-testid': 'od-pending-files', hidden: '' });
  const chatSuggestSlot = h('div', { class: 'od-slot' });
  const chatErrorSlot = h('div', { class: 'od-slot' });
  const chat = h('div', { class: 'od-chat', 'data-testid': 'od-chat', hidden: '' }, [
    messagesEl, chatSuggestSlot, chatErrorSlot, chatCounter, pendingFilesEl,
    h('div', { class: 'od-composer' }, [attachBtn, fileInput, chatInput, sendBtn]),
  ]);

  const loading = h('div', { class: 'od-loading' }, [h('span', { class: 'od-spinner' })]);
  const panel = h('div', { class: 'od-panel', 'data-testid': 'od-panel', role: 'dialog',
    'aria-label': T.title, hidden: '' }, [
    h('header', { class: 'od-header' }, [h('div', { class: 'od-heading' }, [titleEl, subtitleEl, statusEl]), closeBtn]),
    h('div', { class: 'od-body' }, [loading, form, chat]),
  ]);
  const rootEl = h('div', { class: 'od-root' }, [panel, bubble]);
  shadow.append(h('style', {}, [styles()]), rootEl);

  // ---------------------------------------------------------------- views and small UI state

  /** @param {View} view */
  function showView(view) {
    state.view = view;
    loading.hidden = view !== 'loading';
    form.hidden = view !== 'form';
    chat.hidden = view !== 'chat';
    // One error line and one suggestion list (their test ids must stay unique), moved to the visible view.
    (view === 'chat' ? chatSuggestSlot : formSuggestSlot).append(suggestBox);
    (view === 'chat' ? chatErrorSlot : formErrorSlot).append(errorEl);
    hideSuggestions();
    if (view === 'chat') scrollToBottom();
  }

  /** @param {boolean} open */
  function setOpen(open) {
    state.open = open;
    panel.hidden = !open;
    rootEl.classList.toggle('is-open', open);
    bubble.setAttribute('aria-expanded', String(open));
    bubble.setAttribute('aria-label', open ? T.close : T.open);
    bubble.replaceChildren(icon(open ? CLOSE_ICON : CHAT_ICON), h('span', { class: 'od-unread' }));
    if (!open) return;
    rootEl.classList.remove('has-unread');
    markSeen();
    boot();
    focusCurrentView();
    scrollToBottom();
  }

  function focusCurrentView() {
    if (state.view === 'chat') chatInput.focus();
    else if (state.view === 'form') (nameInput.value ? formMessage : nameInput).focus();
  }

  /** @param {'connecting' | 'online'} s */
  function setStatus(s) {
    statusEl.dataset.state = s;
    statusEl.hidden = s === 'online';
  }

  /** @param {string} text */
  function showError(text) {
    errorEl.textContent = text;
    errorEl.hidden = !text;
  }

  /** @param {boolean} busy */
  function setFormBusy(busy) {
    submitBtn.disabled = busy;
    submitBtn.textContent = busy ? T.sending : T.submit;
  }

  function scrollToBottom() {
    messagesEl.scrollTop = messagesEl.scrollHeight;
  }

  /** @param {WidgetConfig} config */
  function applyConfig(config) {
    state.config = config;
    titleEl.textContent = config.title;
    panel.setAttribute('aria-label', config.title);
    if (!subtitleEl.textContent) subtitleEl.textContent = config.botName;
    const chosen = topicSelect.value;
    // Chosen by default, so a visitor who does not pick a topic leaves routing to the desk's rules.
    const anyTopic = h('option', { value: '' }, [T.anyTopic]);
    topicSelect.replaceChildren(anyTopic, ...config.topics.map((t) => h('option', { value: String(t.id) }, [String(t.label)])));
    if (chosen) topicSelect.value = chosen;
    topicRow.hidden = config.topics.length === 0; // nothing to choose from: no empty select
  }

  // ---------------------------------------------------------------- messages

  /** @param {WidgetMessage} m @returns {HTMLElement} */
  function renderMessage(m) {
    const kind = m.author?.kind || (m.direction === 'in' ? 'customer' : 'bot');
    const el = h('div', { class: `od-msg od-msg--${kind}`, 'data-testid': 'od-msg', 'data-author-kind': kind,
      'data-message-id': String(m.id) });
    if (m.clientId) el.dataset.clientId = m.clientId;
    if (kind === 'bot' || kind === 'agent') {
      const name = m.author.name || (kind === 'bot' ? state.config.botName : T.agent);
      el.append(h('div', { class: 'od-author', 'data-testid': 'od-msg-author' }, [name]));
    }
    const time = renderTime(m.sentAt);
    // An agent corrected the reply: the new text, marked so the visitor knows it changed.
    if (m.editedAt) time.prepend(h('span', { class: 'od-edited', 'data-testid': 'od-msg-edited' }, [T.edited]));
    const files = Array.isArray(m.attachments) ? m.attachments.map(renderFile) : [];
    el.append(h('div', { class: 'od-bubble' }, [...(m.text ? [renderText(m.text)] : []), ...files, time]));
    if (m.buttons?.length) el.append(isRating(m.buttons) ? renderStars(m.buttons) : renderButtons(m.buttons));
    if (kind === 'customer') markSent(el); // whatever the server sends us has been delivered
    return el;
  }

  /**
   * A file in a message: a picture shows as a thumbnail, anything else as its name and size; both
   * open the file, which the server serves to this visitor's token only.
   * @param {MsgFile} f
   */
  function renderFile(f) {
    const url = `${BASE}/widget/files/${encodeURIComponent(String(f.id))}?token=${encodeURIComponent(state.token || '')}`;
    const name = String(f.name || T.attach);
    const link = h('a', { class: 'od-file', href: url, target: '_blank', rel: 'noopener noreferrer', download: name,
      'data-testid': 'od-msg-file', 'data-file-id': String(f.id) });
    if (f.kind === 'photo') link.append(h('img', { class: 'od-thumb', src: url, alt: name, loading: 'lazy', referrerpolicy: 'no-referrer' }));
    else link.append(icon(CLIP_ICON), `${name}${typeof f.size === 'number' ? ` · ${formatSize(f.size)}` : ''}`);
    return link;
  }

  /** @param {number} bytes */
  function formatSize(bytes) {
    const [b, kb, mb] = T.units;
    if (bytes < 1024) return `${bytes} ${b}`;
    if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} ${kb}`;
    return `${(bytes / (1024 * 1024)).toFixed(1).replace('.', LANG === 'ru' ? ',' : '.')} ${mb}`;
  }

  /** Message text with plain URLs made clickable, still built from text nodes only. @param {string} text */
  function renderText(text) {
    const el = h('div', { class: 'od-text', 'data-testid': 'od-msg-text' });
    // split() with a capturing group puts the URLs at the odd indexes.
    // A URL doesn't end in punctuation: "see https://x.com/a." links without the final dot.
    String(text ?? '').split(/(https?:\/\/[^\s<>"]*[^\s<>".,;:!?)»])/g).forEach((part, i) => {
      el.append(i % 2 ? h('a', { href: part, target: '_blank', rel: 'noopener noreferrer' }, [part]) : part);
    });
    return el;
  }

  /** @param {string} sentAt ISO time */
  function renderTime(sentAt) {
    const date = new Date(sentAt);
    const time = isNaN(date.getTime()) ? '' : date.toLocaleTimeString(LANG, { hour: '2-digit', minute: '2-digit' });
    return h('span', { class: 'od-meta' }, [time]);
  }

  /** Adds the subtle ✓ (or the "not sent" note) after the time. @param {HTMLElement} el @param {boolean} [failed] */
  function markSent(el, failed = false) {
    el.classList.remove('is-pending');
    el.classList.add(failed ? 'is-failed' : 'is-sent');
    const note = failed ? h('span', { class: 'od-failed' }, [T.failed]) : h('span', { class: 'od-tick' }, ['✓']);
    el.querySelector('.od-meta')?.append(note);
  }

  /** @param {MsgButton[]} buttons */
  function renderButtons(buttons) {
    const row = h('div', { class: 'od-buttons' });
    for (const b of buttons) {
      const btn = h('button', { type: 'button', class: 'od-choice', 'data-testid': 'od-msg-button',
        'data-button-id': String(b.id) }, [String(b.label)]);
      btn.addEventListener('click', () => pressButton(row, btn, b));
      row.append(btn);
    }
    return row;
  }

  /** A satisfaction survey: its buttons are the ratings csat:1 … csat:5. @param {MsgButton[]} buttons */
  function isRating(buttons) {
    return buttons.every((b) => /^csat:[1-5]$/.test(String(b.id)));
  }

  /** The survey's buttons as a row of stars, lit up to the one under the pointer. @param {MsgButton[]} buttons */
  function renderStars(buttons) {
    const row = h('div', { class: 'od-stars', role: 'group', 'aria-label': T.rating });
    /** @type {HTMLButtonElement[]} */
    const stars = [];
    /** @param {number} upTo @param {string} cls */
    const light = (upTo, cls) => stars.forEach((s, i) => s.classList.toggle(cls, i < upTo));
    buttons.forEach((b, i) => {
      const star = h('button', { type: 'button', class: 'od-star', 'data-testid': 'od-star', 'data-button-id': String(b.id),
        'aria-label': `${i + 1} ${T.of5}`, title: `${i + 1} ${T.of5}` }, ['★']);
      star.addEventListener('mouseenter', () => light(i + 1, 'is-lit'));
      star.addEventListener('focus', () => light(i + 1, 'is-lit'));
      star.addEventListener('click', () => {
        light(i + 1, 'is-on');
        pressButton(row, star, b);
      });
      stars.push(star);
      row.append(star);
    });
    row.addEventListener('mouseleave', () => light(0, 'is-lit'));
    return row;
  }

  /** @param {HTMLElement} row @param {HTMLButtonElement} btn @param {MsgButton} b */
  function pressButton(row, btn, b) {
    // One answer per question: a double click must not send two answers.
    row.querySelectorAll('button').forEach((x) => { x.disabled = true; });
    btn.classList.add('is-chosen');
    const clientId = newClientId();
    addLocalMessage(clientId, b.label);
    send({ type: 'button', clientId, buttonId: b.id, label: b.label });
  }

  /**
   * Buttons answer the message they came with: once the visitor has written after it they are spent,
   * pressed or not, after a reload too (the bot reads a late yes or no as plain words). The visitor's
   * message marks the button it was.
   * @param {HTMLElement} customerEl @param {string} text
   */
  function retireButtons(customerEl, text) {
    let nearest = true;
    for (let el = customerEl.previousElementSibling; el; el = el.previousElementSibling) {
      const row = /** @type {HTMLElement | null} */ (el.querySelector('.od-buttons, .od-stars'));
      if (!row) continue;
      if (row.dataset.spent && !nearest) break; // and so is every row above it
      row.dataset.spent = '1';
      row.querySelectorAll('button').forEach((b) => {
        b.disabled = true;
        if (nearest && row.classList.contains('od-buttons') && b.textContent === text) b.classList.add('is-chosen');
      });
      nearest = false;
    }
  }

  /**
   * Shows the customer's message at once, before the server confirms it (its files by name: they
   * open once the server has the message, after a reload).
   * @param {string} clientId @param {string} text @param {string[]} [fileNames]
   */
  function addLocalMessage(clientId, text, fileNames = []) {
    const files = fileNames.map((name) => h('span', { class: 'od-file', 'data-testid': 'od-msg-file' }, [icon(CLIP_ICON), name]));
    const el = h('div', { class: 'od-msg od-msg--customer is-pending', 'data-testid': 'od-msg',
      'data-author-kind': 'customer', 'data-client-id': clientId }, [ // data-message-id comes with the ack
      h('div', { class: 'od-bubble' }, [...(text ? [renderText(text)] : []), ...files, renderTime(new Date().toISOString())]),
    ]);
    messagesEl.append(el);
    state.byClientId.set(clientId, el);
    scrollToBottom();
  }

  /**
   * Adds a server message: dedupes by id, and replaces our pending copy (same clientId).
   * @param {WidgetMessage} m @param {boolean} live false while replaying history
   */
  function upsertMessage(m, live) {
    if (!m || typeof m.id !== 'string') return;
    const existing = state.byId.get(m.id) || (m.clientId ? state.byClientId.get(m.clientId) : undefined);
    const el = renderMessage(m);
    if (existing) existing.replaceWith(el);
    else messagesEl.append(el);
    state.byId.set(m.id, el);
    if (m.direction === 'out' && !existing) {
      state.lastOutId = m.id;
      markSeen();
    }
    if (m.direction === 'in') retireButtons(el, m.text);
    if (m.clientId) {
      state.byClientId.set(m.clientId, el);
      if (state.outbox.has(m.clientId)) accept(m.clientId); // the echo proves the server has it
    }
    if (!live || existing) return;
    scrollToBottom();
    if (!state.open && m.direction === 'out') rootEl.classList.add('has-unread');
  }

  /** Remembers, across page loads, that the newest reply has been on screen. */
  function markSeen() {
    if (state.open && state.lastOutId) store.set(SEEN_KEY, state.lastOutId);
  }

  /** The server's history is the truth: rebuild from it, then keep local messages it hasn't seen yet. */
  /** @param {WidgetMessage[]} messages */
  function renderHistory(messages) {
    const unseen = [...state.outbox.keys()]
      .filter((id) => !messages.some((m) => m.clientId === id))
      .map((id) => state.byClientId.get(id))
      .filter(/** @returns {el is HTMLElement} */ (el) => !!el);
    messagesEl.replaceChildren();
    state.byId.clear();
    state.byClientId.clear();
    for (const m of messages) upsertMessage(m, false);
    for (const el of unseen) {
      messagesEl.append(el);
      state.byClientId.set(el.dataset.clientId || '', el);
    }
    scrollToBottom();
  }

  /** The server accepted a frame. @param {string} clientId @param {string} [messageId] */
  function accept(clientId, messageId) {
    state.outbox.delete(clientId);
    const el = state.byClientId.get(clientId);
    if (el?.classList.contains('is-pending')) markSent(el);
    if (el && messageId && !el.dataset.messageId) {
      el.dataset.messageId = messageId;
      state.byId.set(messageId, el);
    }
    if (clientId !== state.startClientId) return;
    state.startClientId = null;
    setFormBusy(false);
    form.reset();
    showError('');
    showView('chat');
    if (state.open) chatInput.focus();
  }

  // ---------------------------------------------------------------- server frames

  /** @param {string} raw */
  function onFrame(raw) {
    let frame;
    try { frame = JSON.parse(raw); } catch { return; } // a bad frame must not kill the widget
    if (frame?.type === 'hello') onHello(frame);
    else if (frame?.type === 'ack') onAck(frame);
    else if (frame?.type === 'message') upsertMessage(frame.message, true);
    else if (frame?.type === 'error') onServerError(frame);
  }

  /** @param {{ started: boolean, ticketNumber?: number, messages?: WidgetMessage[] }} frame */
  function onHello(frame) {
    state.ready = true;
    state.attempt = 0;
    setStatus('online');
    renderHistory(Array.isArray(frame.messages) ? frame.messages : []);
    if (typeof frame.ticketNumber === 'number') subtitleEl.textContent = T.ticket + frame.ticketNumber;
    // A returning visitor with a reply they haven't seen yet (it came while they were away): light the bubble.
    if (!state.open && state.lastOutId && state.lastOutId !== store.get(SEEN_KEY)) rootEl.classList.add('has-unread');
    const view = frame.started ? 'chat' : 'form'; // a start awaiting its ack keeps the (busy) form up
    if (view !== state.view) {
      showView(view);
      if (state.open) focusCurrentView();
    }
    if (frame.started && state.startClientId) accept(state.startClientId); // its ack was lost with the socket
    flushOutbox();
  }

  /** @param {{ clientId: string, messageId: string, ticketNumber?: number }} frame */
  function onAck(frame) {
    if (typeof frame.ticketNumber === 'number') subtitleEl.textContent = T.ticket + frame.ticketNumber;
    accept(frame.clientId, frame.messageId);
  }

  /** @param {{ error?: string, clientId?: string }} frame */
  function onServerError(frame) {
    // The server's codes ("invalid phone", "server_error") are for developers, in English: say it in the visitor's words.
    const badContact = frame.error === 'invalid email' || frame.error === 'invalid phone';
    showError(badContact ? T.contactInvalid : T.generic);
    if (badContact && state.view === 'form') contactInput.setAttribute('aria-invalid', 'true');
    // On the form, the start is the only thing we can have sent: an error without a clientId is about it.
    const clientId = frame.clientId || (state.view === 'form' ? state.startClientId : null);
    if (!clientId) return;
    // The server refused this frame: sending it again would only be refused again.
    state.outbox.delete(clientId);
    const el = state.byClientId.get(clientId);
    if (clientId === state.startClientId) {
      // Back to the form, with everything the visitor typed still in it.
      state.startClientId = null;
      setFormBusy(false);
      el?.remove();
      state.byClientId.delete(clientId);
    } else if (el?.classList.contains('is-pending')) {
      markSent(el, true);
    }
  }

  // ---------------------------------------------------------------- connection

  /** Connects on first open (or at once for a returning visitor), so idle page views cost the server nothing. */
  function boot() {
    if (state.booted) return;
    state.booted = true;
    void connect();
  }

  async function connect() {
    if (state.ws || state.connecting) return;
    state.connecting = true;
    setStatus('connecting');
    try {
      if (!state.configLoaded) await loadConfig();
      openSocket(await openSession());
    } catch {
      scheduleReconnect();
    } finally {
      state.connecting = false;
    }
  }

  async function loadConfig() {
    try {
      const res = await fetch(`${BASE}/widget/config?lang=${LANG}`);
      if (!res.ok) return;
      const data = await res.json();
      applyConfig({ title: String(data.title || T.title), botName: String(data.botName || T.bot),
        topics: Array.isArray(data.topics) ? data.topics : [],
        maxFileBytes: typeof data.maxFileBytes === 'number' ? data.maxFileBytes : state.config.maxFileBytes });
      state.configLoaded = true;
    } catch { /* keep the defaults; we try again on the next reconnect */ }
  }

  /** Gets the signed visitor token. Asked on every connect, so a token the server no longer accepts is replaced. */
  async function openSession() {
    let res = await postSession(state.token);
    // A rejected token must not lock the visitor out for good: start over as a new visitor.
    if (state.token && res.status >= 400 && res.status < 500) res = await postSession(null);
    if (!res.ok) throw new Error(`session: HTTP ${res.status}`);
    const data = await res.json();
    if (typeof data.token !== 'string') throw new Error('session: no token');
    state.token = data.token;
    store.set(TOKEN_KEY, data.token);
    return data.token;
  }

  /** @param {string | null} token */
  function postSession(token) {
    return fetch(`${BASE}/widget/session`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(token ? { token } : {}) });
  }

  /** @param {string} token */
  function openSocket(token) {
    const ws = new WebSocket(`${WS_BASE}/widget/ws?token=${encodeURIComponent(token)}`);
    state.ws = ws;
    ws.addEventListener('message', (e) => onFrame(String(e.data)));
    ws.addEventListener('close', () => {
      if (state.ws !== ws) return;
      state.ws = null;
      state.ready = false;
      scheduleReconnect();
    });
  }

  function scheduleReconnect() {
    setStatus('connecting');
    clearTimeout(state.retryTimer);
    const delay = Math.min(1000 * 2 ** state.attempt, MAX_BACKOFF_MS); // 1 s, 2 s, 4 s … 15 s
    state.attempt += 1;
    state.retryTimer = setTimeout(() => void connect(), delay);
  }

  // Back online: no point in sitting out the rest of a long backoff.
  window.addEventListener('online', () => {
    if (!state.booted || state.ws || state.connecting) return;
    clearTimeout(state.retryTimer);
    void connect();
  });

  /** Queues a frame and sends it if the socket is up; the outbox is replayed on every reconnect. */
  /** @param {OutFrame} frame */
  function send(frame) {
    state.outbox.set(frame.clientId, frame);
    if (state.ready && state.ws?.readyState === WebSocket.OPEN) state.ws.send(JSON.stringify(frame));
  }

  function flushOutbox() {
    for (const frame of state.outbox.values()) state.ws?.send(JSON.stringify(frame));
  }

  function newClientId() {
    if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
    // randomUUID needs a secure context (https); getRandomValues works everywhere.
    return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
  }

  // ---------------------------------------------------------------- pre-chat form

  /** @returns {{ text: string, field: HTMLElement } | null} */
  function validateForm() {
    const contact = contactInput.value.trim();
    if (!nameInput.value.trim()) return { text: T.nameRequired, field: nameInput };
    if (!contact) return { text: T.contactRequired, field: contactInput };
    if (!isPlausibleContact(contact)) return { text: T.contactInvalid, field: contactInput };
    if (!formMessage.value.trim()) return { text: T.messageRequired, field: formMessage };
    return null;
  }

  /** Email: an @ and a dot after it. Phone: at least 6 digits, nothing but phone punctuation. @param {string} value */
  function isPlausibleContact(value) {
    if (value.includes('@')) return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value);
    return /^[+\d\s().-]+$/.test(value) && value.replace(/\D/g, '').length >= 6;
  }

  /** @param {SubmitEvent} e */
  function submitForm(e) {
    e.preventDefault();
    if (state.startClientId) return; // already sent, waiting for the server
    for (const el of [nameInput, contactInput, formMessage]) el.removeAttribute('aria-invalid');
    const problem = validateForm();
    if (problem) {
      showError(problem.text);
      problem.field.setAttribute('aria-invalid', 'true');
      problem.field.focus();
      return;
    }
    showError('');
    hideSuggestions();
    const contact = contactInput.value.trim();
    const text = formMessage.value.trim();
    const clientId = newClientId();
    state.startClientId = clientId;
    setFormBusy(true);
    addLocalMessage(clientId, text); // shown in the chat once the server accepts the start
    send({ type: 'start', clientId, name: nameInput.value.trim(), [contact.includes('@') ? 'email' : 'phone']: contact,
      topic: topicSelect.value, text, lang: LANG });
  }

  // ---------------------------------------------------------------- chat input

  function sendChatMessage() {
    const text = chatInput.value.trim();
    if (state.pendingFiles.some((f) => !f.ref && !f.failed)) return showError(T.waitUpload);
    const files = state.pendingFiles.filter((f) => f.ref);
    if (!text && !files.length) return;
    showError('');
    hideSuggestions();
    const clientId = newClientId();
    addLocalMessage(clientId, text, files.map((f) => f.name));
    send({ type: 'message', clientId, text, ...(files.length ? { files: files.map((f) => String(f.ref)) } : {}) });
    for (const f of [...state.pendingFiles]) removePendingFile(f);
    chatInput.value = '';
    autoGrow(chatInput);
    updateCounter(chatInput, chatCounter);
    chatInput.focus();
  }

  // ---------------------------------------------------------------- attaching files

  /** Uploads each chosen file at once; the message that is sent next carries the ready ones. @param {FileList | null} list */
  function attachFiles(list) {
    for (const file of Array.from(list || [])) {
      const name = file.name || T.attach;
      if (file.size > state.config.maxFileBytes) {
        showError(T.fileTooLarge.replace('{name}', name).replace('{limit}', formatSize(state.config.maxFileBytes)));
        continue;
      }
      const label = h('span', { class: 'od-pending-name' }, [icon(CLIP_ICON), `${name} · ${formatSize(file.size)}`]);
      const status = h('span', { class: 'od-pending-status' }, [T.uploading]);
      const removeBtn = h('button', { type: 'button', class: 'od-pending-remove', 'aria-label': `${T.remove}: ${name}`,
        'data-testid': 'od-pending-remove' }, ['×']);
      const el = h('div', { class: 'od-pending-file is-uploading', 'data-testid': 'od-pending-file' }, [label, status, removeBtn]);
      /** @type {PendingFile} */
      const pending = { name, size: file.size, ref: null, failed: false, el };
      removeBtn.addEventListener('click', () => removePendingFile(pending));
      state.pendingFiles.push(pending);
      pendingFilesEl.append(el);
      pendingFilesEl.hidden = false;
      void upload(file, pending, status);
    }
    fileInput.value = ''; // the same file may be chosen again
  }

  /** @param {File} file @param {PendingFile} pending @param {HTMLElement} status */
  async function upload(file, pending, status) {
    try {
      const url = `${BASE}/widget/files?token=${encodeURIComponent(state.token || '')}&name=${encodeURIComponent(pending.name)}`;
      const res = await fetch(url, { method: 'POST', body: file, headers: { 'content-type': file.type || 'application/octet-stream' } });
      const data = res.ok ? await res.json() : null;
      if (res.status === 429) throw new Error(T.tooManyUploads);
      if (!data || typeof data.file !== 'string') throw new Error(`upload: HTTP ${res.status}`);
      pending.ref = data.file;
      status.textContent = '';
      pending.el.classList.remove('is-uploading');
    } catch (err) {
      pending.failed = true;
      pending.el.classList.replace('is-uploading', 'is-failed');
      status.textContent = T.failed;
      const limited = err instanceof Error && err.message === T.tooManyUploads;
      showError(limited ? T.tooManyUploads : T.uploadFailed.replace('{name}', pending.name));
    }
  }

  /** @param {PendingFile} pending */
  function removePendingFile(pending) {
    state.pendingFiles = state.pendingFiles.filter((f) => f !== pending);
    pending.el.remove();
    pendingFilesEl.hidden = state.pendingFiles.length === 0;
  }

  /**
   * Shows how long the text is once it nears MAX_TEXT: the browser cuts a longer paste at the
   * limit without a word, so at the limit the visitor is told, rather than losing the rest unseen.
   * @param {HTMLTextAreaElement} el @param {HTMLElement} counter
   */
  function updateCounter(el, counter) {
    const n = el.value.length;
    counter.hidden = n < COUNTER_FROM;
    if (counter.hidden) return;
    const locale = LANG === 'ru' ? 'ru-RU' : 'en-US';
    const count = `${n.toLocaleString(locale)} / ${MAX_TEXT.toLocaleString(locale)}`;
    counter.classList.toggle('od-counter-full', n >= MAX_TEXT);
    counter.textContent = n >= MAX_TEXT ? `${count}. ${T.tooLong}` : count;
  }

  /** @param {HTMLTextAreaElement} el */
  function autoGrow(el) {
    el.style.height = 'auto';
    el.style.height = `${Math.min(el.scrollHeight, 120)}px`;
  }

  // ---------------------------------------------------------------- article suggestions

  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let suggestTimer;
  /** @type {AbortController | null} */
  let suggestAbort = null;

  /** @param {HTMLTextAreaElement} el */
  function onTypingForSuggestions(el) {
    clearTimeout(suggestTimer);
    const q = el.value.trim();
    if (q.length < SUGGEST_MIN_CHARS) return hideSuggestions();
    suggestTimer = setTimeout(() => void loadSuggestions(q), SUGGEST_DELAY_MS);
  }

  /** @param {string} q */
  async function loadSuggestions(q) {
    suggestAbort?.abort(); // only the latest query's answer matters
    const ctrl = new AbortController();
    suggestAbort = ctrl;
    try {
      const url = `${BASE}/widget/suggest?q=${encodeURIComponent(q)}&lang=${LANG}`;
      const res = await fetch(url, { signal: ctrl.signal });
      if (!res.ok) return hideSuggestions(); // e.g. 404 while the endpoint doesn't exist: stay quiet
      const data = await res.json();
      if (!ctrl.signal.aborted) renderSuggestions(Array.isArray(data.articles) ? data.articles.slice(0, 3) : []);
    } catch {
      if (!ctrl.signal.aborted) hideSuggestions();
    }
  }

  /** @param {Article[]} articles */
  function renderSuggestions(articles) {
    suggestList.replaceChildren(...articles.map(renderSuggestion));
    suggestBox.hidden = articles.length === 0;
  }

  /** A title that expands its snippet in place: no further request. @param {Article} a */
  function renderSuggestion(a) {
    const snippet = h('div', { class: 'od-snippet', hidden: '' }, [String(a.snippet ?? '')]);
    const title = h('button', { type: 'button', class: 'od-suggest-title', 'aria-expanded': 'false' },
      [String(a.title ?? '')]);
    const item = h('li', { class: 'od-suggestion', 'data-testid': 'od-suggestion',
      'data-article-id': String(a.id) }, [title, snippet]);
    item.addEventListener('click', () => {
      snippet.hidden = !snippet.hidden;
      title.setAttribute('aria-expanded', String(!snippet.hidden));
    });
    return item;
  }

  function hideSuggestions() {
    clearTimeout(suggestTimer);
    suggestAbort?.abort();
    suggestAbort = null;
    suggestBox.hidden = true;
    suggestList.replaceChildren();
  }

  // ---------------------------------------------------------------- events and start-up

  bubble.addEventListener('click', () => setOpen(!state.open));
  closeBtn.addEventListener('click', () => { setOpen(false); bubble.focus(); });
  panel.addEventListener('keydown', (e) => { if (e.key === 'Escape') { setOpen(false); bubble.focus(); } });
  form.addEventListener('submit', submitForm);
  form.addEventListener('input', (e) => /** @type {HTMLElement} */ (e.target).removeAttribute('aria-invalid'));
  formMessage.addEventListener('input', () => { updateCounter(formMessage, formCounter); onTypingForSuggestions(formMessage); });
  chatInput.addEventListener('input', () => { autoGrow(chatInput); updateCounter(chatInput, chatCounter); onTypingForSuggestions(chatInput); });
  chatInput.addEventListener('keydown', (e) => {
    // Enter sends, Shift+Enter is a newline; never send in the middle of an IME composition.
    if (e.key !== 'Enter' || e.shiftKey || e.isComposing) return;
    e.preventDefault();
    sendChatMessage();
  });
  sendBtn.addEventListener('click', sendChatMessage);
  attachBtn.addEventListener('click', () => fileInput.click());
  fileInput.addEventListener('change', () => attachFiles(fileInput.files));
  setOpen(false);
  setStatus('connecting');
  showView('loading');

  function mount() {
    document.body.append(host);
    if (state.token) boot(); // a returning visitor: connect now, so replies that came meanwhile light up the bubble
  }
  // An async script can run before <body> exists.
  if (document.body) mount();
  else document.addEventListener('DOMContentLoaded', mount, { once: true });

  // ---------------------------------------------------------------- styles, scoped to the shadow root

  function styles() {
    // :host with !important: the page's own rules for div or #omnidesk-widget must not reach in.
    return `
:host { all: initial !important; display: block !important; }
* { box-sizing: border-box; }
[hidden] { display: none !important; }
.od-slot { display: contents; } /* placeholders for the moving error line and suggestions */
.od-counter { font-size: 12px; color: var(--muted); text-align: right; padding: 0 14px; }
.od-form .od-counter { padding: 0; margin-top: -6px; }
.od-counter-full { color: var(--danger); }
.od-root { --accent: #4f46e5; --accent-dark: #4338ca; --text: #1f2937; --muted: #6b7280; --line: #e5e7eb;
  --danger: #dc2626; color: var(--text); -webkit-font-smoothing: antialiased;
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
button, input, select, textarea { font: inherit; color: inherit; }
svg { width: 20px; height: 20px; fill: none; stroke: currentColor; stroke-width: 2; stroke-linecap: round; stroke-linejoin: round; }
.od-launcher { position: fixed; right: 20px; bottom: 20px; z-index: 2147483647; width: 58px; height: 58px;
  border: 0; border-radius: 50%; background: var(--accent); color: #fff; cursor: pointer; display: grid;
  place-items: center; box-shadow: 0 8px 24px rgba(79, 70, 229, .35); transition: transform .15s; }
.od-launcher:hover { transform: scale(1.06); background: var(--accent-dark); }
.od-launcher:focus-visible { outline: 3px solid #a5b4fc; outline-offset: 2px; }
.od-launcher svg { width: 26px; height: 26px; }
.od-unread { position: absolute; top: 4px; right: 4px; width: 14px; height: 14px; border-radius: 50%;
  background: #ef4444; border: 2px solid #fff; display: none; }
.od-root.has-unread .od-unread { display: block; }
.od-panel { position: fixed; right: 20px; bottom: 92px; z-index: 2147483647; width: 372px;
  height: min(600px, calc(100vh - 112px)); display: flex; flex-direction: column; overflow: hidden;
  background: #fff; border-radius: 16px; box-shadow: 0 12px 48px rgba(17, 24, 39, .22); animation: od-pop .18s ease-out; }
@keyframes od-pop { from { opacity: 0; transform: translateY(12px) scale(.98); } }
.od-header { display: flex; align-items: flex-start; gap: 8px; padding: 14px 12px 14px 18px; background: var(--accent); color: #fff; }
.od-heading { flex: 1; min-width: 0; }
.od-title { font-size: 16px; font-weight: 600; }
.od-subtitle { font-size: 12px; opacity: .85; }
.od-subtitle:empty { display: none; }
.od-status { margin-top: 4px; font-size: 12px; display: flex; align-items: center; gap: 6px; }
.od-status::before { content: ""; width: 8px; height: 8px; border-radius: 50%; background: #fbbf24; animation: od-blink 1s infinite alternate; }
@keyframes od-blink { to { opacity: .3; } }
.od-close { border: 0; background: transparent; color: #fff; cursor: pointer; width: 32px; height: 32px; border-radius: 8px; display: grid; place-items: center; }
.od-close:hover { background: rgba(255, 255, 255, .15); }
.od-body, .od-chat { flex: 1; min-height: 0; display: flex; flex-direction: column; }
.od-loading { flex: 1; display: grid; place-items: center; }
.od-spinner { width: 28px; height: 28px; border-radius: 50%; border: 3px solid var(--line); border-top-color: var(--accent); animation: od-spin .8s linear infinite; }
@keyframes od-spin { to { transform: rotate(360deg); } }
.od-form { flex: 1; overflow-y: auto; padding: 16px 18px; display: flex; flex-direction: column; gap: 12px; }
.od-intro { margin: 0; color: var(--muted); }
.od-label { display: flex; flex-direction: column; gap: 4px; font-size: 13px; font-weight: 500; }
.od-field { width: 100%; padding: 9px 11px; border: 1px solid #d1d5db; border-radius: 10px; background: #fff; font-weight: 400; outline: none; }
.od-field:focus, .od-input:focus { border-color: var(--accent); box-shadow: 0 0 0 3px rgba(79, 70, 229, .15); }
.od-field[aria-invalid="true"] { border-color: var(--danger); }
textarea.od-field { resize: vertical; min-height: 80px; }
.od-primary { padding: 11px; border: 0; border-radius: 10px; background: var(--accent); color: #fff; font-weight: 600; cursor: pointer; }
.od-primary:hover { background: var(--accent-dark); }
.od-primary:disabled { opacity: .6; cursor: default; }
.od-error { color: var(--danger); font-size: 13px; }
.od-chat .od-error { padding: 4px 14px; }
.od-messages { flex: 1; overflow-y: auto; padding: 14px; display: flex; flex-direction: column; gap: 10px; background: #fafafa; }
.od-msg { display: flex; flex-direction: column; align-items: flex-start; max-width: 82%; }
.od-msg--customer { align-self: flex-end; align-items: flex-end; }
.od-msg--system { align-self: center; align-items: center; max-width: 90%; }
.od-author { font-size: 12px; color: var(--muted); margin: 0 0 2px 4px; font-weight: 500; }
.od-bubble { padding: 8px 12px; border-radius: 14px 14px 14px 4px; background: #fff; border: 1px solid var(--line); overflow-wrap: anywhere; }
.od-msg--customer .od-bubble { background: var(--accent); color: #fff; border-color: transparent; border-radius: 14px 14px 4px 14px; }
.od-msg--system .od-bubble { background: transparent; border: 0; color: var(--muted); font-size: 12px; text-align: center; }
.od-text { white-space: pre-wrap; }
.od-text a { color: inherit; text-decoration: underline; }
.od-meta { display: flex; justify-content: flex-end; gap: 4px; font-size: 11px; opacity: .65; margin-top: 2px; }
.od-edited { font-style: italic; }
.od-msg.is-pending { opacity: .7; }
.od-msg.is-failed .od-bubble { background: #fee2e2; color: var(--danger); }
.od-buttons { display: flex; flex-wrap: wrap; gap: 6px; margin-top: 6px; }
.od-choice { padding: 6px 12px; border: 1px solid var(--accent); border-radius: 999px; background: #fff; color: var(--accent); cursor: pointer; font-size: 13px; }
.od-choice:hover:not(:disabled) { background: #eef2ff; }
.od-choice:disabled { opacity: .5; cursor: default; }
.od-choice.is-chosen { opacity: 1; background: var(--accent); color: #fff; }
.od-stars { display: flex; gap: 2px; margin-top: 4px; }
.od-star { border: 0; background: none; padding: 0 2px; font-size: 26px; line-height: 1; color: #d1d5db; cursor: pointer; transition: transform .1s; }
.od-star.is-lit, .od-star.is-on { color: #f59e0b; }
.od-star:hover:not(:disabled) { transform: scale(1.15); }
.od-star:disabled { cursor: default; }
.od-star:focus-visible { outline: 2px solid #a5b4fc; border-radius: 4px; }
.od-suggestions { padding: 8px 10px; border: 1px solid var(--line); border-radius: 10px; background: #f9fafb; font-size: 13px; }
.od-chat .od-suggestions { margin: 0 10px 6px; }
.od-suggest-caption { color: var(--muted); font-size: 12px; margin-bottom: 4px; }
.od-suggest-list { list-style: none; margin: 0; padding: 0; display: flex; flex-direction: column; gap: 2px; }
.od-suggest-title { border: 0; background: none; padding: 2px 0; color: var(--accent); cursor: pointer; text-align: left; text-decoration: underline; text-underline-offset: 2px; }
.od-snippet { padding: 2px 0 6px; white-space: pre-wrap; }
.od-composer { display: flex; align-items: flex-end; gap: 8px; padding: 10px; border-top: 1px solid var(--line); }
.od-input { flex: 1; resize: none; max-height: 120px; padding: 9px 12px; border: 1px solid #d1d5db; border-radius: 18px; outline: none; }
.od-attach { flex: none; width: 38px; height: 38px; border: 0; border-radius: 50%; background: transparent; color: var(--muted); cursor: pointer; display: grid; place-items: center; }
.od-attach:hover { color: var(--accent); background: #eef2ff; }
.od-pending-files { display: flex; flex-wrap: wrap; gap: 6px; padding: 8px 10px 0; }
.od-pending-file { display: flex; align-items: center; gap: 6px; max-width: 100%; padding: 4px 6px 4px 10px; border: 1px solid var(--line); border-radius: 14px; font-size: 12px; background: #f9fafb; }
.od-pending-name { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.od-pending-status { color: var(--muted); }
.od-pending-file.is-failed { border-color: var(--danger); }
.od-pending-file.is-failed .od-pending-status { color: var(--danger); }
.od-pending-remove { border: 0; background: transparent; cursor: pointer; font-size: 16px; line-height: 1; color: var(--muted); padding: 0 2px; }
.od-file { display: block; margin: 4px 0; color: inherit; word-break: break-word; }
.od-file svg, .od-pending-name svg { width: 14px; height: 14px; vertical-align: -2px; margin-right: 4px; }
.od-thumb { display: block; max-width: 100%; max-height: 180px; border-radius: 8px; }
.od-send { flex: none; width: 38px; height: 38px; border: 0; border-radius: 50%; background: var(--accent); color: #fff; cursor: pointer; display: grid; place-items: center; }
.od-send:hover { background: var(--accent-dark); }
.od-send svg { width: 18px; height: 18px; fill: currentColor; }
@media (prefers-reduced-motion: reduce) { .od-panel, .od-status::before, .od-spinner { animation: none; } .od-launcher { transition: none; } }
@media (max-width: 480px) {
  .od-panel { inset: 0; width: 100%; height: 100%; border-radius: 0; }
  .od-root.is-open .od-launcher { display: none; }
  .od-field, .od-input { font-size: 16px; } /* under 16px iOS zooms the page on focus */
}`;
  }
})();
