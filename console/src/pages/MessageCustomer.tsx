/**
 * "Message the customer": an agent writes to a known customer first, on one of the channels the
 * customer already wrote from (POST /tickets; the platforms let us write only where they wrote).
 * That opens a new ticket of the agent's, and the console goes to it. When the conversation still
 * has a ticket that is not done, the server says which (409), and we link to it instead.
 */
import { useState } from 'preact/hooks';
import { api, ApiError } from '../api';
import { statusLabel, t } from '../i18n';
import type { ContactDetail } from '../model';
import { navigate, onLink } from '../router';

export function MessageCustomer({ contact }: { contact: ContactDetail }) {
  // One entry per channel, the most recently active conversation's first (the server picks that one).
  const channels = [...new Set((contact.conversations ?? []).map((c) => c.channel))];
  const [open, setOpen] = useState(false);
  const [channel, setChannel] = useState('');
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const [existing, setExisting] = useState<{ number: number; status: string } | null>(null);
  if (channels.length === 0) return null;
  const picked = channel || channels[0]!;

  const send = async () => {
    setBusy(true);
    setError('');
    setExisting(null);
    try {
      const ticket = await api<{ number: number }>('POST', '/tickets', { contactId: contact.id, channel: picked, text });
      setText('');
      setOpen(false);
      navigate(`/tickets/${ticket.number}`);
    } catch (err) {
      const body = err instanceof ApiError ? (err.body as { ticketNumber?: number; status?: string }) : {};
      if (err instanceof ApiError && err.status === 409 && body.ticketNumber) setExisting({ number: body.ticketNumber, status: body.status ?? '' });
      else setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  if (!open) {
    return (
      <button class="secondary message-customer" data-testid="message-customer" onClick={() => setOpen(true)}>
        ✉ {t('messageCustomer')}
      </button>
    );
  }
  return (
    <div class="outreach" data-testid="outreach">
      <h4>{t('messageCustomer')}</h4>
      <p class="muted small">{t('messageCustomerHint')}</p>
      <label>
        {t('outreachChannel')}
        <select data-testid="outreach-channel" value={picked} onChange={(e) => setChannel(e.currentTarget.value)}>
          {channels.map((c) => (
            <option key={c} value={c}>
              {c}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t('outreachText')}
        <textarea data-testid="outreach-text" rows={4} value={text} onInput={(e) => setText(e.currentTarget.value)} />
      </label>
      {error && (
        <p class="error" data-testid="outreach-error">
          {error}
        </p>
      )}
      {existing && (
        <p class="error" data-testid="outreach-existing">
          <a href={`/admin/tickets/${existing.number}`} onClick={(e) => onLink(e, `/tickets/${existing.number}`)}>
            {t('outreachOpenTicket', { number: existing.number, status: statusLabel(existing.status) })}
          </a>
        </p>
      )}
      <div class="row">
        <button data-testid="outreach-send" disabled={busy || !text.trim()} onClick={() => void send()}>
          {t('outreachSend')}
        </button>
        <button class="secondary" disabled={busy} onClick={() => setOpen(false)}>
          {t('cancel')}
        </button>
      </div>
    </div>
  );
}
