/** Slack's markup (mrkdwn): what must be escaped in our text, and how theirs reads as plain text. */

/** Slack's text needs only &, < and > escaped. */
export function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Slack's own markup back to plain text: mentions, links and entities. */
export function slackToPlain(text: string): string {
  return text
    .replace(/<([^<>|]+)\|([^<>]+)>/g, (_m, target: string, label: string) => (target.startsWith('@') || target.startsWith('#') ? label : `${label} (${target})`))
    .replace(/<([^<>]+)>/g, (_m, target: string) => target)
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}
