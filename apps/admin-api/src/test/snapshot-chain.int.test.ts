import { get, type IncomingHttpHeaders } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseChainExport, verifyChainExport } from '@xero-access/model';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../logging/logger.js';
import { snapshotChainSchema } from '../openapi/response-schemas.js';
import { CONNECTION, TENANT, seedAcme } from './fixtures.js';
import { DIALECTS, startHarness, type Harness } from './harness.js';

describe.each(DIALECTS)('the chain export on $dialect', ({ dialect }) => {
  let h: Harness;
  let seeded: Awaited<ReturnType<typeof seedAcme>>;
  beforeAll(async () => {
    h = await startHarness(dialect);
    seeded = await seedAcme(h.model);
  });
  afterAll(async () => h?.close());

  it('verifies exactly the records it exports while new snapshots are recorded', async () => {
    const users = await h.model.db.snapshots.users(seeded.second.id);
    const recorded = 40;
    let recording = true;
    const record = async () => {
      for (let i = 0; i < recorded; i++) {
        await h.model.db.snapshots.record(
          CONNECTION,
          TENANT,
          users,
          new Date(Date.UTC(2026, 11, 1, 0, i)),
        );
        // SQLite runs one transaction at a time: leave the reads room between recordings.
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      recording = false;
    };
    const exports: { records: { sequence: number; chainHash: string }[]; verification: unknown }[] =
      [];
    const read = async () => {
      for (let i = 0; i < 500 && (recording || i < 5); i++) {
        const chain = await h.call(
          'GET',
          `/snapshots/chain?connection=finance/acme&tenant=${TENANT.tenantId}`,
          { token: h.tokens.viewer },
        );
        expect(chain.statusCode).toBe(200);
        exports.push(chain.json());
      }
    };
    await Promise.all([record(), read()]);
    for (const { records, verification } of exports)
      expect(verification).toEqual({
        ok: true,
        connection: 'finance/acme',
        tenantId: TENANT.tenantId,
        length: records.length,
        headSequence: records.at(-1)?.sequence,
        headHash: records.at(-1)?.chainHash,
        problems: [],
      });
    // The reads did overlap the recording.
    expect(new Set(exports.map((e) => e.records.length)).size).toBeGreaterThan(1);
  });

  it('streams each distinct content once, however many snapshots share it', async () => {
    const response = await h.call(
      'GET',
      `/snapshots/chain?connection=finance/acme&tenant=${TENANT.tenantId}`,
      { token: h.tokens.viewer },
    );
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    // Sent as it is read: no length known up front.
    expect(response.headers['content-length']).toBeUndefined();
    const chain = response.json();
    // The 40 unchanged syncs above share the second snapshot's content.
    expect(chain.records.length).toBeGreaterThanOrEqual(42);
    const hashes = new Set(chain.records.map((r: { contentHash: string }) => r.contentHash));
    expect(Object.keys(chain.contents).sort()).toEqual([...hashes].sort());
    expect(hashes.size).toBe(2);
    const contents = Object.values(chain.contents as Record<string, string>);
    const contentBytes = contents.reduce((n, text) => n + JSON.stringify(text).length, 0);
    expect(response.body.length).toBeLessThan(contentBytes + chain.records.length * 500);
    expect(await verifyChainExport(parseChainExport(response.body))).toEqual(chain.verification);
    expect(chain.verification).toMatchObject({ ok: true, length: chain.records.length });
  });
});

interface Download {
  received: string;
  /** How the transfer ended: `end` is a complete body, as far as the client can tell. */
  ending: 'end' | `error ${string}`;
}

/**
 * PostgreSQL failing midway through a download: the export's query is cancelled (as a statement
 * timeout or an operator would) while it waits for a table another session holds, after the
 * status line and the head of the body were sent. (A cancel leaves the pool's connection whole:
 * terminating it makes the next request's 503 a matter of timing.)
 */
describe('a chain download when the database fails midway', () => {
  let h: Harness;
  let port: number;
  const lines: Record<string, unknown>[] = [];
  const path = `/snapshots/chain?connection=finance/acme&tenant=${TENANT.tenantId}`;
  beforeAll(async () => {
    const logger = createLogger('info', {
      write: (text: string) => void lines.push(JSON.parse(text) as Record<string, unknown>),
    });
    h = await startHarness('postgresql', { logger });
    await seedAcme(h.model);
    await h.app.listen({ host: '127.0.0.1', port: 0 });
    port = (h.app.getHttpServer().address() as AddressInfo).port;
  });
  afterAll(async () => h?.close());

  /** Runs `download` while the contents are locked, and fails the export once it has begun. */
  async function whileDatabaseFails(download: () => Promise<Download>): Promise<Download> {
    const holder = new pg.Client({ connectionString: h.deps.config.databaseUrl });
    await holder.connect();
    try {
      await holder.query('begin');
      await holder.query('lock table snapshot_content in access exclusive mode');
      const downloading = download();
      for (let i = 0; ; i++) {
        // Inside a transaction, pg_stat_activity is read once unless told to read it again.
        await holder.query('select pg_stat_clear_snapshot()');
        const { rows } = await holder.query<{ pid: number }>(
          `select pid from pg_stat_activity
            where datname = current_database() and wait_event_type = 'Lock' and pid <> pg_backend_pid()`,
        );
        if (rows.length) {
          await holder.query('select pg_cancel_backend($1)', [rows[0]!.pid]);
          break;
        }
        if (i === 200) throw new Error('the export never waited for the locked contents');
        await sleep(10);
      }
      return await downloading;
    } finally {
      await holder.query('rollback');
      await holder.end();
    }
  }

  it('aborts the chunked transfer after the 200: the client never sees a clean end', async () => {
    let headers: IncomingHttpHeaders = {};
    let status = 0;
    const download = await whileDatabaseFails(
      () =>
        new Promise<Download>((resolve) => {
          let received = '';
          const auth = { authorization: `Bearer ${h.tokens.viewer}` };
          get(`http://127.0.0.1:${port}${path}`, { headers: auth }, (response) => {
            status = response.statusCode ?? 0;
            headers = response.headers;
            response.setEncoding('utf8');
            response.on('data', (chunk: string) => (received += chunk));
            response.on('end', () => resolve({ received, ending: 'end' }));
            response.on('error', (error: NodeJS.ErrnoException) =>
              resolve({ received, ending: `error ${error.code ?? error.message}` }),
            );
          }).on('error', (error: NodeJS.ErrnoException) =>
            resolve({ received, ending: `error ${error.code ?? error.message}` }),
          );
        }),
    );
    expect(status).toBe(200);
    expect(headers['transfer-encoding']).toBe('chunked');
    expect(download.ending).toBe('error ECONNRESET');
    expect(download.received).toMatch(/^\{"kind":"xero-access-snapshot-chain","version":2,/);
    // What was saved is refused, naming why.
    await expect(verifyChainExport(parseChainExport(download.received))).rejects.toThrow(
      /^file: ends mid-export, after 0 records, before its closing "verification": an interrupted download/,
    );
    expect(lines).toContainEqual(
      expect.objectContaining({ level: 'error', msg: 'chain export failed midway' }),
    );
  });

  it('resets the connection of a body that only its close delimits (HTTP/1.0, or a proxy reading it so)', async () => {
    const download = await whileDatabaseFails(
      () =>
        new Promise<Download>((resolve) => {
          let received = '';
          const socket = connect(port, '127.0.0.1', () =>
            socket.write(
              `GET ${path} HTTP/1.0\r\nAuthorization: Bearer ${h.tokens.viewer}\r\n\r\n`,
            ),
          );
          socket.setEncoding('utf8');
          socket.on('data', (chunk: string) => (received += chunk));
          // A close after what was sent would read as the end of a complete body.
          socket.on('end', () => resolve({ received, ending: 'end' }));
          socket.on('error', (error: NodeJS.ErrnoException) =>
            resolve({ received, ending: `error ${error.code ?? error.message}` }),
          );
        }),
    );
    expect(download.received).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(download.received).not.toMatch(/^transfer-encoding:/im);
    expect(download.ending).toBe('error ECONNRESET');
  });

  it('serves the next download whole once the database answers again', async () => {
    const response = await h.call('GET', path, { token: h.tokens.viewer });
    expect(response.statusCode).toBe(200);
    expect(await verifyChainExport(parseChainExport(response.body))).toMatchObject({
      ok: true,
      length: 2,
    });
  });
});

describe.each(DIALECTS)('a pruned chain export on $dialect', ({ dialect }) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(dialect);
  });
  afterAll(async () => h?.close());

  it('starts from the retention checkpoint, shown in the export and its verification', async () => {
    const ref = { namespace: 'finance', name: 'pruned' };
    const recorded = [];
    for (const [day, role] of [
      [1, 'ADVISER'],
      [2, 'STANDARD'],
      [3, 'STANDARD'],
    ] as const)
      recorded.push(
        await h.model.db.snapshots.record(
          ref,
          TENANT,
          [{ userId: 'u-1', email: 'u1@acme.example', organisationRole: role }],
          new Date(Date.UTC(2026, 9, day)),
        ),
      );
    await h.model.db.retention.pruneSnapshots(new Date('2026-11-01T00:00:00Z'));

    const response = await h.call(
      'GET',
      `/snapshots/chain?connection=finance/pruned&tenant=${TENANT.tenantId}`,
      { token: h.tokens.viewer },
    );
    expect(response.statusCode).toBe(200);
    const checkpoint = {
      sequence: 2,
      chainHash: recorded[1]!.chainHash,
      takenAt: '2026-10-02T00:00:00.000Z',
    };
    const chain = snapshotChainSchema.parse(response.json());
    expect(chain.checkpoint).toEqual(checkpoint);
    expect(chain.records.map((r) => r.sequence)).toEqual([3]);
    expect(chain.verification).toEqual({
      ok: true,
      connection: 'finance/pruned',
      tenantId: TENANT.tenantId,
      length: 1,
      headSequence: 3,
      headHash: recorded[2]!.chainHash,
      problems: [],
      checkpoint,
    });
    expect(await verifyChainExport(parseChainExport(response.body))).toEqual(chain.verification);
  });
});

describe.each(DIALECTS)('a chain export checked beyond its links on $dialect', ({ dialect }) => {
  let h: Harness;
  const ref = { namespace: 'finance', name: 'anchored' };
  const path = `/snapshots/chain?connection=finance/anchored&tenant=${TENANT.tenantId}`;
  const sql = (text: string, params: unknown[]) =>
    h.model.orm.em.getConnection().execute(text, params);
  let recorded: Awaited<ReturnType<Harness['model']['db']['snapshots']['record']>>[];
  beforeAll(async () => {
    h = await startHarness(dialect);
    recorded = [];
    for (const [day, users] of [
      [1, [{ userId: 'u-1', organisationRole: 'ADMIN' }]],
      [
        2,
        [
          { userId: 'u-1', organisationRole: 'ADMIN' },
          { userId: 'u-2', organisationRole: 'STANDARD' },
        ],
      ],
      [3, [{ userId: 'u-1', organisationRole: 'ADMIN' }]],
    ] as const)
      recorded.push(
        await h.model.db.snapshots.record(
          ref,
          TENANT,
          [...users],
          new Date(Date.UTC(2026, 10, day)),
        ),
      );
  });
  afterAll(async () => h?.close());

  const verification = async (query = '') => {
    const response = await h.call('GET', `${path}${query}`, { token: h.tokens.viewer });
    expect(response.statusCode).toBe(200);
    return snapshotChainSchema.parse(response.json()).verification;
  };

  it('fails the chain against a head given in expect once the snapshots after it were deleted', async () => {
    const before = await verification();
    expect(before).toMatchObject({ ok: true, headSequence: 3, headHash: recorded[2]!.chainHash });
    const expect3 = `&expect=${before.headSequence}:${before.headHash}`;
    expect(await verification(expect3)).toMatchObject({ ok: true, problems: [] });

    await sql('delete from snapshot where id = ?', [recorded[2]!.id]);
    expect(await verification()).toMatchObject({ ok: true, headSequence: 2 });
    expect(await verification(expect3)).toMatchObject({
      ok: false,
      problems: [
        {
          snapshotId: null,
          sequence: 3,
          problem: 'expected-link-missing',
          detail: 'the chain ends at sequence 2: the snapshots after it were deleted',
        },
      ],
    });
  });

  it('refuses a malformed expect, naming it', async () => {
    const refused = {
      '3': 'query.expect.0',
      [`3:${'a'.repeat(64)},0:${'a'.repeat(64)}`]: 'query.expect.1',
      [`3:${'a'.repeat(64)},3:${'b'.repeat(64)}`]: 'query.expect',
    };
    for (const [bad, field] of Object.entries(refused)) {
      const response = await h.call('GET', `${path}&expect=${bad}`, { token: h.tokens.viewer });
      expect({ bad, status: response.statusCode, field: response.json().field }).toEqual({
        bad,
        status: 400,
        field,
      });
    }
  });

  it("reports a stored diff that is not what the snapshots' users give", async () => {
    const none = JSON.stringify({ joiners: [], leavers: [], roleChanges: [] });
    await sql('update snapshot set diff = ? where id = ?', [none, recorded[1]!.id]);
    const served = await h.call('GET', `/snapshots/${recorded[1]!.id}`, { token: h.tokens.viewer });
    expect(served.json().diff.joiners).toEqual([]);
    expect((await verification()).problems).toMatchObject([
      { snapshotId: recorded[1]!.id, sequence: 2, problem: 'diff-mismatch' },
    ]);
  });
});
