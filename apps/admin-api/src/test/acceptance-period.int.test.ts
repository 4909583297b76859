import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedAcme } from './fixtures.js';
import { DIALECTS, startHarness, type Harness } from './harness.js';

const DAY_MS = 86_400_000;

describe.each(DIALECTS)('risk acceptance is time-bound on $dialect', ({ dialect }) => {
  describe('with the default maximum (365 days)', () => {
    let h: Harness;
    let findingId: string;
    beforeAll(async () => {
      h = await startHarness(dialect);
      const seeded = await seedAcme(h.model);
      findingId = seeded.transitions.find((t) => t.finding.subject.id === 'u-jack')!.finding.id;
    });
    afterAll(async () => h?.close());

    const accept = (body: Record<string, unknown>) =>
      h.call('POST', `/findings/${findingId}/accept`, { token: h.tokens.admin, body });

    it('gives an acceptance without expiresAt the whole maximum period', async () => {
      const before = Date.now();
      const accepted = await accept({ reason: 'contractor, renewal pending' });
      const after = Date.now();
      expect(accepted.statusCode).toBe(200);
      const until = Date.parse(accepted.json().finding.acceptedRisk.until);
      expect(until).toBeGreaterThanOrEqual(before + 365 * DAY_MS);
      expect(until).toBeLessThanOrEqual(after + 365 * DAY_MS);
      // What was accepted is on record: the finding as reported, and its evidence snapshot.
      const { finding, event } = accepted.json();
      expect(event.note).toBe(
        `contractor, renewal pending (until ${new Date(until).toISOString()}; ` +
          `accepted as reported: ${finding.severity}, ${JSON.stringify(finding.message)})`,
      );
      expect(event.snapshotId).toBe(finding.snapshotId);
    });

    it('refuses an expiresAt beyond the maximum, naming the field and the limit', async () => {
      const tooLate = new Date(Date.now() + 366 * DAY_MS).toISOString();
      const refused = await accept({ reason: 'for ever, nearly', expiresAt: tooLate });
      expect(refused.statusCode).toBe(400);
      expect(refused.json()).toMatchObject({
        field: 'body.expiresAt',
        message: expect.stringMatching(
          /^body\.expiresAt: must be at most 365 days ahead \(the maximum acceptance period\): no later than 20\d\d-/,
        ),
      });
    });

    it('refuses an expiresAt that is not in the future, naming the limit too', async () => {
      const refused = await accept({ reason: 'x', expiresAt: '2020-01-01T00:00:00Z' });
      expect(refused.statusCode).toBe(400);
      expect(refused.json()).toMatchObject({
        field: 'body.expiresAt',
        message: expect.stringMatching(
          /^body\.expiresAt: must be in the future and at most 365 days ahead/,
        ),
      });
    });

    it('keeps the acceptance on record unchanged after a refused one', async () => {
      const finding = (
        await h.call('GET', `/findings/${findingId}`, { token: h.tokens.viewer })
      ).json();
      expect(finding).toMatchObject({
        status: 'accepted',
        acceptedRisk: { reason: 'contractor, renewal pending' },
      });
    });
  });

  describe('with MAX_ACCEPTANCE_DAYS=30', () => {
    let h: Harness;
    let findingId: string;
    beforeAll(async () => {
      h = await startHarness(dialect, { config: { maxAcceptanceDays: 30 } });
      const seeded = await seedAcme(h.model);
      findingId = seeded.transitions.find((t) => t.finding.subject.id === 'u-emma')!.finding.id;
    });
    afterAll(async () => h?.close());

    const accept = (body: Record<string, unknown>) =>
      h.call('POST', `/findings/${findingId}/accept`, { token: h.tokens.admin, body });

    it('refuses 31 days and accepts 30, or 30 by default', async () => {
      const refused = await accept({
        reason: 'x',
        expiresAt: new Date(Date.now() + 31 * DAY_MS).toISOString(),
      });
      expect(refused.statusCode).toBe(400);
      expect(refused.json().message).toMatch(/^body\.expiresAt: must be at most 30 days ahead/);

      const exactly = new Date(Date.now() + 30 * DAY_MS - 60_000).toISOString();
      const accepted = await accept({ reason: 'audit window', expiresAt: exactly });
      expect(accepted.statusCode).toBe(200);
      expect(accepted.json().finding.acceptedRisk.until).toBe(exactly);

      const before = Date.now();
      const byDefault = await accept({ reason: 're-accepted for the whole period' });
      expect(byDefault.statusCode).toBe(200);
      const until = Date.parse(byDefault.json().finding.acceptedRisk.until);
      expect(until).toBeGreaterThanOrEqual(before + 30 * DAY_MS);
      expect(until).toBeLessThanOrEqual(Date.now() + 30 * DAY_MS);
    });
  });
});
