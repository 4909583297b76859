import { describe, expect, it } from 'vitest';
import { redactEmails } from './redact-emails.js';

describe('redactEmails', () => {
  it('replaces each address, keeping the rest of the message', () => {
    expect(redactEmails('body.line 3.email: a@b.example appears more than once')).toBe(
      'body.line 3.email: [email] appears more than once',
    );
    expect(
      redactEmails(
        'may not decide on their own Xero access (user u-jack has the email Jack.Taylor@gmail.example); oidc:o@acme.example must not.',
      ),
    ).toBe(
      'may not decide on their own Xero access (user u-jack has the email [email]); oidc:[email] must not.',
    );
  });

  it('keeps a sentence’s final dot and leaves text without addresses alone', () => {
    expect(redactEmails('has the email x@y.example.')).toBe('has the email [email].');
    expect(redactEmails('staff member 42 not found')).toBe('staff member 42 not found');
  });

  it('leaves no @ of malformed or quoted addresses', () => {
    const reason = redactEmails(`"o'brien@x" <a@@b> @handle user@ mailto:c@d`);
    expect(reason).not.toContain('@');
    expect(reason).toBe(`"[email]" <[email]> [email] [email] mailto:[email]`);
  });
});
