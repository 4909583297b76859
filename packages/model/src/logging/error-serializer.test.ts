import { describe, expect, it } from 'vitest';
import { MAX_CAUSE_DEPTH, serializeError, type SafeError } from './error-serializer.js';

const PASSWORD = 'S3cretRedisPw';
const BEARER = 'Bearer xao_live_token_123';
const VERIFIER = 'pkce-verifier-0123456789abcdef';

/** An error shaped like the ones ioredis, got and the Kubernetes client throw. */
function leakyError(message: string, cause?: unknown): Error {
  const error = new Error(message, cause === undefined ? undefined : { cause }) as Error &
    Record<string, unknown>;
  error.code = 'WRONGPASS';
  error.statusCode = 401;
  error.command = { name: 'auth', args: [PASSWORD] };
  error.args = [PASSWORD];
  error.options = { headers: { authorization: BEARER }, json: { codeVerifier: VERIFIER } };
  error.body = { codeVerifier: VERIFIER, password: PASSWORD };
  error.headers = { authorization: BEARER };
  error.parameters = [PASSWORD];
  error.config = { password: PASSWORD };
  error.request = { headers: { authorization: BEARER } };
  error.response = { body: VERIFIER };
  return error;
}

describe('serializeError', () => {
  it('keeps type, message, stack and code, and drops command, options, body and the rest', () => {
    const cause = leakyError('inner: connection refused');
    const error = leakyError('WRONGPASS invalid username-password pair', cause);
    const serialized = serializeError(error) as SafeError;
    const text = JSON.stringify(serialized);

    expect(text).not.toContain(PASSWORD);
    expect(text).not.toContain(BEARER);
    expect(text).not.toContain('xao_live_token_123');
    expect(text).not.toContain(VERIFIER);
    expect(serialized).toEqual({
      type: 'Error',
      message: 'WRONGPASS invalid username-password pair',
      stack: error.stack,
      code: 'WRONGPASS',
      statusCode: 401,
      cause: {
        type: 'Error',
        message: 'inner: connection refused',
        stack: cause.stack,
        code: 'WRONGPASS',
        statusCode: 401,
      },
    });
    expect(serialized.stack).toContain('WRONGPASS invalid username-password pair');
  });

  it('names the subclass, and keeps a name that differs from it', () => {
    class ReplyError extends Error {}
    const reply = Object.assign(new ReplyError('NOAUTH'), { command: { args: [PASSWORD] } });
    expect(serializeError(reply)).toMatchObject({ type: 'ReplyError', message: 'NOAUTH' });
    expect(serializeError(reply)).not.toHaveProperty('name');
    const abort = new DOMException('stopped', 'AbortError');
    expect(serializeError(abort)).toMatchObject({ type: 'DOMException', name: 'AbortError' });
  });

  it('reduces a thrown plain object to the same fields', () => {
    const thrown = { message: 'HTTP 403', code: 403, body: { secret: PASSWORD }, status: 'x' };
    expect(serializeError(thrown)).toEqual({
      type: 'Object',
      message: 'HTTP 403',
      code: 403,
      status: 'x',
    });
  });

  it('passes strings and numbers through, and keeps a string cause', () => {
    expect(serializeError('already a message')).toBe('already a message');
    expect(serializeError(42)).toBe(42);
    expect(serializeError(undefined)).toBeUndefined();
    expect(serializeError(new Error('outer', { cause: 'a reason' }))).toMatchObject({
      cause: 'a reason',
    });
  });

  it('follows causes to a bounded depth and stops at cycles', () => {
    let error = new Error('level 0');
    for (let level = 1; level <= MAX_CAUSE_DEPTH + 3; level++)
      error = new Error(`level ${level}`, { cause: error });
    let serialized = serializeError(error) as SafeError;
    for (let level = 0; level < MAX_CAUSE_DEPTH; level++)
      serialized = serialized.cause as SafeError;
    expect(serialized.message).toBe(`level 3`);
    expect(serialized.cause).toBe('[too deep]');

    const cyclic = new Error('loop') as Error & { cause?: unknown };
    cyclic.cause = cyclic;
    expect(serializeError(cyclic)).toMatchObject({ message: 'loop', cause: '[circular]' });
  });

  it("keeps an AggregateError's errors, each reduced", () => {
    const refused = (address: string) =>
      Object.assign(new Error(`connect ECONNREFUSED ${address}:6379`), {
        code: 'ECONNREFUSED',
        command: { args: [PASSWORD] },
      });
    const error = new AggregateError([refused('::1'), refused('127.0.0.1')], '');
    const serialized = serializeError(error) as SafeError;
    expect(JSON.stringify(serialized)).not.toContain(PASSWORD);
    expect(serialized.aggregateErrors).toMatchObject([
      { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED ::1:6379' },
      { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:6379' },
    ]);
  });

  it('survives properties that throw when read', () => {
    const error = new Error('getter');
    Object.defineProperty(error, 'code', {
      get() {
        throw new Error('no');
      },
    });
    expect(serializeError(error)).toMatchObject({ type: 'Error', message: 'getter' });
  });
});
