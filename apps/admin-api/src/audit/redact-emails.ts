/** What an email address becomes in text kept for years (the audit log). */
const EMAIL_PLACEHOLDER = '[email]';

/**
 * Any word holding an `@`: broader than an address's grammar on purpose, so that no address, odd
 * or malformed (the ones validation refuses, and names in a message), is kept. A sentence's final
 * dots stay outside the placeholder.
 */
const EMAIL_LIKE = /[^\s"`<>()[\]{},;:]*@[^\s"`<>()[\]{},;:]*/g;

/** `text` with every email address replaced by EMAIL_PLACEHOLDER. */
export function redactEmails(text: string): string {
  return text.replace(EMAIL_LIKE, (word) => EMAIL_PLACEHOLDER + (/\.+$/.exec(word)?.[0] ?? ''));
}
