/**
 * The parts of VK's update objects this adapter reads (Callback API and Bots Long Poll send the
 * same objects), checked with zod so a malformed event is logged and skipped instead of half-read.
 * Everything else VK sends is let through untouched.
 */
import { z } from 'zod';

const int = z.number().int();

/** One event: `{type, object, group_id, event_id, secret?, v?}`. */
export const vkUpdate = z.looseObject({
  type: z.string().min(1),
  object: z.unknown().optional(),
  group_id: int.optional(),
  /** Unique per event; a callback VK retries comes again with the same one. */
  event_id: z.string().optional(),
  secret: z.string().optional(),
});
export type VkUpdate = z.infer<typeof vkUpdate>;

const replyRef = z.looseObject({
  id: int.optional(),
  conversation_message_id: int.optional(),
  peer_id: int.optional(),
});

export const vkMessage = z.looseObject({
  /** 0 in chats; the community-wide message id otherwise. */
  id: int.optional(),
  /** The message's number in its conversation: with `peer_id`, its stable key. */
  conversation_message_id: int.optional(),
  peer_id: int,
  from_id: int,
  out: z.union([z.number(), z.boolean()]).optional(),
  date: z.number().optional(),
  update_time: z.number().optional(),
  text: z.string().optional(),
  /** A keyboard button's payload, as a JSON string. */
  payload: z.string().optional(),
  attachments: z.array(z.looseObject({ type: z.string() })).optional(),
  geo: z
    .looseObject({
      coordinates: z.looseObject({ latitude: z.number(), longitude: z.number() }),
      place: z.looseObject({ title: z.string().optional() }).optional(),
    })
    .optional(),
  reply_message: replyRef.optional(),
  fwd_messages: z.array(z.unknown()).optional(),
  /** A service message (someone joined a chat …): not something a customer wrote. */
  action: z.looseObject({ type: z.string() }).optional(),
});
export type VkMessage = z.infer<typeof vkMessage>;

/** `message_new`: `{message, client_info}` since API 5.103; the bare message before. */
export const vkMessageNew = z.union([
  z.looseObject({ message: vkMessage, client_info: z.looseObject({ lang_id: int.optional() }).optional() }),
  vkMessage.transform((message) => ({ message, client_info: undefined })),
]);

/** A press of a callback button. */
export const vkMessageEvent = z.looseObject({
  user_id: int,
  peer_id: int,
  /** Answer it with messages.sendMessageEventAnswer within a minute. */
  event_id: z.string().min(1),
  payload: z.unknown().optional(),
  conversation_message_id: int.optional(),
});
export type VkMessageEvent = z.infer<typeof vkMessageEvent>;

export const vkPhotoSize = z.looseObject({ url: z.string(), width: z.number().optional(), height: z.number().optional(), type: z.string().optional() });
