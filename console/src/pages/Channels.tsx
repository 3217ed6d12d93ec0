/** Each channel's status (GET /channels), WhatsApp's login QR code, and the webhook URLs to paste. */
import { Fragment } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { get } from '../api';
import { formatDate, t } from '../i18n';

interface ChannelStatus {
  state: string;
  detail?: string;
  lastError?: string | null;
  since?: string | null;
}

const POLL_MS = 5000;

export function Channels() {
  const [channels, setChannels] = useState<Record<string, ChannelStatus> | null>(null);
  const [error, setError] = useState('');
  const [qrAt, setQrAt] = useState(Date.now());

  useEffect(() => {
    const load = () =>
      get<Record<string, ChannelStatus>>('/channels').then(
        (c) => {
          setChannels(c);
          setQrAt(Date.now());
        },
        (err: Error) => setError(err.message),
      );
    void load();
    const timer = setInterval(load, POLL_MS);
    return () => clearInterval(timer);
  }, []);

  const origin = location.origin;
  const hooks: Array<[string, string]> = [
    ['Telegram (TELEGRAM_WEBHOOK_URL)', `${origin}/webhooks/telegram`],
    ['VK Callback API', `${origin}/webhooks/vk`],
    ['Slack Event Subscriptions / Interactivity', `${origin}/slack/events`],
    ['API channel (POST, X-Signature)', `${origin}/api/v1/inbound`],
    ['Web widget', `<script src="${origin}/widget.js" async></script>`],
  ];
  const whatsapp = channels?.whatsapp;

  return (
    <div class="channels">
      <h2>{t('channels')}</h2>
      {error && <p class="error">{error}</p>}
      {!channels ? (
        <p>{t('loading')}</p>
      ) : (
        <table class="form-table card" data-testid="channel-table">
          <thead>
            <tr>
              <th>{t('channel')}</th>
              <th>{t('state')}</th>
              <th>{t('detail')}</th>
            </tr>
          </thead>
          <tbody>
            {Object.entries(channels).map(([name, s]) => (
              <tr key={name} data-testid="channel-row" data-channel={name}>
                <td>{name}</td>
                <td>
                  <span class={`chip st-${s.state}`}>{s.state}</span>
                </td>
                <td>
                  {s.detail ?? ''} {s.lastError ? <span class="error">{s.lastError}</span> : null}
                  {s.since ? <span class="muted"> · {formatDate(s.since)}</span> : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {whatsapp && whatsapp.state !== 'off' && whatsapp.state !== 'connected' && (
        <section class="card">
          <h3>{t('whatsappQr')}</h3>
          <img class="qr" alt="WhatsApp QR" src={`/api/v1/channels/whatsapp/qr?t=${qrAt}`} onError={(e) => ((e.currentTarget as HTMLImageElement).style.display = 'none')} />
        </section>
      )}
      <section class="card">
        <h3>{t('webhooks')}</h3>
        <dl class="hooks">
          {hooks.map(([label, url]) => (
            <Fragment key={label}>
              <dt>{label}</dt>
              <dd>
                <code>{url}</code>
              </dd>
            </Fragment>
          ))}
        </dl>
      </section>
    </div>
  );
}
