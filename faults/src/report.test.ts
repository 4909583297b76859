import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchResult } from '@xero-access/bench';
import { describe, expect, it } from 'vitest';
import { readFaultResults, renderFaultReport, type RecordedFault } from './report.js';

const bench: BenchResult = {
  benchmark: 'admin-api',
  title: 'Admin API at 1,000,000 findings',
  ranAt: '2026-11-23T10:00:00.000Z',
  command: 'npm run bench -w @xero-access/admin-api',
  figures: [
    { id: 'p99', label: 'p99', unit: 'ms', value: 40, goal: { op: '<', value: 50 } },
    { id: 'p50', label: 'p50', unit: 'ms', value: 3.3 },
  ],
};

const fault = (over: Partial<RecordedFault>): RecordedFault => ({
  id: 'postgres-outage',
  kind: 'fault',
  title: 'PostgreSQL outage',
  injected: 'stopped 3.4 s',
  held: 'Ready=False DatabaseUnavailable | caught up in 1.2 s',
  dataLost: 0,
  dataChecked: 'snapshots 2 → 3, findings 5 → 5',
  command: 'npm run faults -w @xero-access/faults -- test/postgres-outage.fault.test.ts',
  ranAt: '2026-11-23T11:00:00.000Z',
  ...over,
});

describe('renderFaultReport', () => {
  it('has a section per kind, each row with what held, data lost and its command', () => {
    const report = renderFaultReport(
      [bench],
      [fault({}), fault({ id: 'admin-api-fuzz', kind: 'bad-input', title: 'Fuzz' })],
      ['postgres-outage', 'admin-api-fuzz'],
    );
    expect(report).toContain('data lost in total: **0** ✅');
    expect(report).toContain('## Load held');
    expect(report).toContain('p99: 40 ms (goal < 50 ✅)');
    expect(report).not.toContain('p50: 3.3');
    expect(report).toContain('## Faults injected and survived');
    expect(report).toContain('## Bad inputs tried');
    // A pipe in a measured text must not break the table.
    expect(report).toContain('DatabaseUnavailable \\| caught up');
    expect(report).toContain(
      '`npm run faults -w @xero-access/faults -- test/postgres-outage.fault.test.ts`',
    );
    expect(report).not.toContain('## Not recorded');
  });

  it('adds up lost data and lists scenarios with no passing run', () => {
    const report = renderFaultReport(
      [],
      [fault({ dataLost: 2 })],
      ['postgres-outage', 'redis-outage'],
    );
    expect(report).toContain('data lost in total: **2** ❌');
    expect(report).toContain('## Not recorded');
    expect(report).toContain('- `redis-outage`');
  });

  it('lists unreadable result files and does not call the total of the rest clean', () => {
    const report = renderFaultReport(
      [],
      [fault({})],
      ['postgres-outage'],
      ['redis-outage.json: Unexpected end of JSON input'],
    );
    expect(report).toContain(
      'data lost in total: **0** ❌ in the rows that could be read; 1 result files could not be read (below).',
    );
    expect(report).toContain(
      '## Result files that could not be read\n\n- redis-outage.json: Unexpected end of JSON input',
    );
  });
});

describe('readFaultResults', () => {
  it('names the file and the field of each row it cannot report', () => {
    const dir = mkdtempSync(join(tmpdir(), 'faults-'));
    const write = (file: string, row: unknown) =>
      writeFileSync(join(dir, file), typeof row === 'string' ? row : JSON.stringify(row));
    write('postgres-outage.json', fault({}));
    write('cut.json', JSON.stringify(fault({})).slice(0, 30));
    write('lost-text.json', { ...fault({}), dataLost: '2' });
    write('lost-negative.json', fault({ dataLost: -1 }));
    write('no-title.json', { ...fault({}), title: undefined });
    write('kind.json', { ...fault({}), kind: 'outage' });
    write('undated.json', { ...fault({}), ranAt: 'today' });
    writeFileSync(join(dir, 'report.md'), '# not a row');
    const { faults, problems } = readFaultResults(dir);
    expect(faults.map((f) => f.id)).toEqual(['postgres-outage']);
    expect(problems).toEqual([
      expect.stringMatching(/^cut\.json: .* in JSON at position 30/),
      'kind.json: "kind" must be "fault" or "bad-input", got string "outage"',
      'lost-negative.json: "dataLost" must be a whole number, 0 or more, got number -1',
      'lost-text.json: "dataLost" must be a whole number, 0 or more, got string "2"',
      'no-title.json: "title" must be a non-empty string, got nothing',
      'undated.json: "ranAt" must be an ISO 8601 timestamp, got string "today"',
    ]);
  });
});
