/**
 * The widget's outbound side. The visitor's socket may be held by any app instance, so a
 * reply is published on Redis and every instance pushes it to the sockets it holds. A visitor
 * who is offline gets it with the history when they come back.
 *
 * An agent's edit of a reply goes the same way: the message again, with its new text and
 * `editedAt`; the widget replaces the one it shows (same id) and marks it edited. The history
 * (the socket's hello) reads the messages as they are now, so a visitor away meanwhile sees it too.
 */
import type { ChannelSender, OutboundEdit, OutboundMessage, SendResult } from '../../core/model.js';
import type { Redis } from '../../redis.js';
import { widgetFiles, type WidgetMessage } from './protocol.js';

export interface WidgetEnvelope {
  visitorId: string;
  message: WidgetMessage;
}

export class WidgetSender implements ChannelSender {
  readonly channel = 'widget' as const;

  constructor(
    private readonly redis: Redis,
    private readonly topic: string,
  ) {}

  async send(message: OutboundMessage): Promise<SendResult> {
    await this.publish(message);
    return {};
  }

  async edit(e: OutboundEdit): Promise<void> {
    await this.publish(e.message, e.editedAt);
  }

  private async publish(message: OutboundMessage, editedAt?: Date): Promise<void> {
    const envelope: WidgetEnvelope = {
      visitorId: message.chatId,
      message: {
        id: message.id,
        direction: 'out',
        author: message.author,
        text: message.text,
        buttons: message.buttons,
        sentAt: message.sentAt.toISOString(),
        ...(editedAt ? { editedAt: editedAt.toISOString() } : {}),
        ...(message.attachments.length ? { attachments: widgetFiles(message.attachments) } : {}),
      },
    };
    await this.redis.publish(this.topic, JSON.stringify(envelope));
  }
}
