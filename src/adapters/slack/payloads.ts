/** The shapes of what Slack sends (Events API, interactivity, slash commands), as far as the gateway reads them. */

/** A message (or other) event from the Events API. */
export interface SlackEvent {
  type: string;
  subtype?: string;
  channel?: string;
  user?: string;
  bot_id?: string;
  text?: string;
  ts?: string;
  thread_ts?: string;
  files?: SlackFile[];
  /** `message_changed`: the message as it is now. */
  message?: SlackEvent;
  /** A message that was edited: who edited it and when (the edit's ts). */
  edited?: { user?: string; ts?: string };
}

/** A file shared in a message (`files[]` of a message event). */
export interface SlackFile {
  id?: string;
  name?: string;
  title?: string;
  mimetype?: string;
  size?: number;
  url_private_download?: string;
  url_private?: string;
}

/** The outer body of an Events API delivery. */
export interface SlackEventCallback {
  type?: string;
  event_id?: string;
  event?: SlackEvent;
}

/** A block_actions payload: a button pressed or an option picked. */
export interface SlackInteraction {
  type?: string;
  user?: { id?: string; name?: string };
  channel?: { id?: string };
  container?: { message_ts?: string; thread_ts?: string };
  message?: { ts?: string; thread_ts?: string };
  actions?: Array<{ action_id?: string; value?: string; action_ts?: string; text?: { text?: string }; selected_option?: { value?: string } }>;
}

/** A slash command's fields (`command`, `text`, `user_id`, `channel_id` …). */
export type SlackCommand = Record<string, string | undefined>;
