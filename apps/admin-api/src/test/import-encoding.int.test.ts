import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, startHarness, type Harness } from './harness.js';

const EMAIL = 'jose.garcia@acme.example';
const NAME = 'José García';
// What Excel's plain "CSV" and many HR exports write on Windows: Windows-1252 (é is 0xE9).
const windows1252Csv = Buffer.from(`email,name\r\n${EMAIL},${NAME}\r\n`, 'latin1');
const windows1252Json = Buffer.from(JSON.stringify([{ email: EMAIL, name: NAME }]), 'latin1');

describe.each(DIALECTS)('staff import: bodies that are not UTF-8 ($dialect)', ({ dialect }) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(dialect);
  });
  afterAll(async () => {
    await h.close();
  });

  /** Sent with Content-Length, or (a stream) chunked, without it. */
  const post = (url: string, body: Buffer, contentType: string, chunked: boolean, token?: string) =>
    h.app.inject({
      method: 'POST',
      url,
      headers: { authorization: `Bearer ${token ?? h.tokens.admin}`, 'content-type': contentType },
      payload: chunked ? Readable.from([body]) : body,
    });

  const storedStaff = async () =>
    (await h.call('GET', '/staff', { token: h.tokens.viewer })).json().items;

  it.each([
    ['CSV', false, windows1252Csv, 'text/csv'],
    ['CSV', true, windows1252Csv, 'text/csv'],
    ['JSON', false, windows1252Json, 'application/json'],
    ['JSON', true, windows1252Json, 'application/json'],
  ])(
    'refuses a Windows-1252 %s import (chunked: %s) with 400 naming the byte, storing nothing',
    async (kind, chunked, body, contentType) => {
      const response = await post('/staff/import', body, contentType, chunked);
      const at = body.indexOf(0xe9) + 1;
      const line = kind === 'CSV' ? 2 : 1;
      const remedy =
        kind === 'CSV' ? 'save the file as UTF-8 (in Excel: "CSV UTF-8")' : 'send it as UTF-8';
      expect({ status: response.statusCode, body: response.json() }).toEqual({
        status: 400,
        body: {
          statusCode: 400,
          error: 'Bad Request',
          field: 'body',
          message: `body: is not UTF-8 (byte ${at}, on line ${line}, is 0xE9): ${remedy}`,
        },
      });
      expect(await storedStaff()).toEqual([]);
    },
  );

  it('refuses a body declared in another charset with 415 naming the Content-Type, storing nothing', async () => {
    const response = await post(
      '/staff/import',
      windows1252Csv,
      'text/csv; charset=windows-1252',
      false,
    );
    expect(response.statusCode).toBe(415);
    expect(response.json()).toMatchObject({ field: 'headers.content-type' });
    expect(await storedStaff()).toEqual([]);
  });

  it('refuses a SCIM body that is not UTF-8, as a SCIM error', async () => {
    const user = {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      userName: EMAIL,
      name: { formatted: NAME },
    };
    const response = await post(
      '/scim/v2/Users',
      Buffer.from(JSON.stringify(user), 'latin1'),
      'application/scim+json',
      true,
      h.tokens.scim,
    );
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({
      status: '400',
      detail: expect.stringMatching(/^body: is not UTF-8 \(byte \d+, on line 1, is 0xE9\)/),
    });
    expect(await storedStaff()).toEqual([]);
  });

  it("imports a UTF-8 CSV with Excel's byte order mark, names intact", async () => {
    const csv = Buffer.from(`\uFEFFEmail,Name\r\n${EMAIL},${NAME}\r\n`, 'utf8');
    const response = await post('/staff/import', csv, 'text/csv; charset=utf-8', true);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ created: 1 });
    expect(await storedStaff()).toEqual([expect.objectContaining({ email: EMAIL, name: NAME })]);
  });
});
