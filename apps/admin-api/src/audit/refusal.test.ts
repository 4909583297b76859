import { ConflictError, ValidationError } from '@xero-access/model';
import { describe, expect, it } from 'vitest';
import { BadRequestField, notFound } from '../http/errors.js';
import { ScimError } from '../scim/scim.types.js';
import { refusalOf } from './refusal.js';

describe('refusalOf: why a write was refused, as its audit entry keeps it', () => {
  it('is the status, message and field the caller got', () => {
    expect(refusalOf(new BadRequestField('body.offboardedAt', 'cannot be cleared'))).toEqual({
      status: 400,
      reason: 'body.offboardedAt: cannot be cleared',
      field: 'body.offboardedAt',
    });
    expect(refusalOf(new ValidationError('cursor', 'is not a cursor'))).toEqual({
      status: 400,
      reason: 'cursor: is not a cursor',
      field: 'cursor',
    });
    expect(refusalOf(new ConflictError('finding f is resolved'))).toEqual({
      status: 409,
      reason: 'finding f is resolved',
    });
    expect(refusalOf(notFound('staff member', 'x'))).toEqual({
      status: 404,
      reason: 'staff member x not found',
    });
    expect(refusalOf(new ScimError(409, 'userName is taken', 'uniqueness'))).toEqual({
      status: 409,
      reason: 'userName is taken',
    });
  });

  it('keeps no detail of an unexpected error', () => {
    expect(refusalOf(new Error('connect to postgres://xao:hunter2@db failed'))).toEqual({
      status: 500,
      reason: 'internal error (see the server log for the request id)',
    });
  });

  it('replaces anything shaped like a credential', () => {
    const apiToken = `xao_${'a1B2-c3_D4'.repeat(5)}`;
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl';
    const { reason } = refusalOf(
      new BadRequestField(
        'body.note',
        `saw ${apiToken}, ${jwt}, Authorization: Bearer abc.def and basic dXNlcjpwYXNz`,
      ),
    );
    expect(reason).toBe(
      'body.note: saw xao_[redacted], [redacted JWT], Authorization: Bearer [redacted] and basic [redacted]',
    );
  });

  it('replaces email addresses, which the audit log must not keep', () => {
    expect(
      refusalOf(new ValidationError('body.line 3.email', 'a@b.example appears more than once')),
    ).toEqual({
      status: 400,
      reason: 'body.line 3.email: [email] appears more than once',
      field: 'body.line 3.email',
    });
  });

  it('keeps a long message to 1000 bytes of UTF-8', () => {
    const { reason } = refusalOf(new BadRequestField('body', 'x'.repeat(5000)));
    expect(Buffer.byteLength(reason, 'utf8')).toBe(1000);
    expect(reason.endsWith('…')).toBe(true);
  });

  it('never keeps half of a surrogate pair where it cuts a long message', () => {
    // An emoji straddles the cut: a lone surrogate is JSON PostgreSQL's jsonb refuses to store.
    const message = `${'x'.repeat(990)}${'🥝'.repeat(50)}`;
    const { reason } = refusalOf(new BadRequestField('body', message));
    expect(reason.endsWith('…')).toBe(true);
    expect(new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(reason, 'utf8'))).toBe(
      reason,
    );
  });
});
