/**
 * The production driver: whatsapp-web.js's real `Client`, with the session kept by `LocalAuth`
 * and WhatsApp Web running in the system's Chromium (puppeteer's own Chrome download is
 * disabled: see .puppeteerrc.cjs).
 *
 * The library (and puppeteer behind it) is loaded only when WhatsApp is enabled.
 */
import path from 'node:path';
import type WAWebJS from 'whatsapp-web.js';
import type { WhatsAppClient, WhatsAppDriver, WhatsAppMedia, WhatsAppMessage } from './client.js';

/** Compiles only when `T` is assignable to `U`. */
type Satisfies<T extends U, U> = T;

/**
 * The seam is checked by the compiler: if a whatsapp-web.js upgrade changes what the adapter
 * uses, these fail to compile instead of the adapter failing at run time.
 */
export type RealClientFits = Satisfies<WAWebJS.Client, WhatsAppClient>;
export type RealMessageFits = Satisfies<WAWebJS.Message, WhatsAppMessage>;
export type RealMediaFits = Satisfies<WAWebJS.MessageMedia, WhatsAppMedia>;

export interface RealDriverOptions {
  /** Where LocalAuth keeps the session (and the cached WhatsApp Web build). */
  sessionDir: string;
  /** The Chromium binary puppeteer launches. */
  chromiumPath: string;
}

/** Chromium flags for a server: no display, often root in a container, a small /dev/shm. */
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-setuid-sandbox', '--disable-dev-shm-usage', '--disable-gpu', '--no-first-run', '--no-zygote'];

export async function loadRealDriver(options: RealDriverOptions): Promise<WhatsAppDriver> {
  const { Client, LocalAuth, MessageMedia } = (await import('whatsapp-web.js')).default;
  return {
    createClient: () =>
      new Client({
        authStrategy: new LocalAuth({ dataPath: options.sessionDir }),
        webVersionCache: { type: 'local', path: path.join(options.sessionDir, 'web-cache') },
        puppeteer: { executablePath: options.chromiumPath, headless: true, args: CHROMIUM_ARGS },
      }),
    media: (file) => new MessageMedia(file.mimeType, file.data.toString('base64'), file.name ?? null, file.data.length),
  };
}
