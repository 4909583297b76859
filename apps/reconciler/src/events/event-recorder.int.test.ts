import { randomUUID } from 'node:crypto';
import { EventsV1Api } from '@kubernetes/client-node';
import type { XeroConnection } from '@xero-access/crd';
import { createTestNamespace, testKubeConfig } from '@xero-access/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../logging/logger.js';
import { memorySink } from '../test/memory-sink.js';
import { EventRecorder, MAX_NOTE_BYTES } from './event-recorder.js';

describe('EventRecorder against the API server', () => {
  const kc = testKubeConfig();
  const log = memorySink();
  const recorder = new EventRecorder(kc, 'test-replica', createLogger('warn', log.sink));
  let namespace: string;

  beforeAll(async () => {
    namespace = await createTestNamespace(kc, 'event-note');
  });

  it('records a note longer than 1024 bytes in non-ASCII text, cut to fit', async () => {
    // 1,100 characters naming organisations with macrons and an emoji: ~1,400 bytes of UTF-8.
    const organisations = Array.from({ length: 60 }, (_, i) => `Ngāti Whātua ${i} 🥝`).join(', ');
    const note = `Tokens are valid for ${organisations}`.slice(0, 1_100);
    expect(note).toHaveLength(1_100);
    const connection: XeroConnection = {
      apiVersion: 'xeroaccess.dev/v1alpha1',
      kind: 'XeroConnection',
      metadata: { namespace, name: 'tamaki', uid: randomUUID() },
      spec: {},
    } as XeroConnection;

    await recorder.record(connection, 'Normal', 'Ready', 'Reconcile', note);

    expect(log.lines().filter((l) => l.msg === 'could not record event')).toEqual([]);
    const events = await kc
      .makeApiClient(EventsV1Api)
      .listNamespacedEvent({ namespace, fieldSelector: 'regarding.name=tamaki' });
    expect(events.items).toHaveLength(1);
    const recorded = events.items[0]!.note!;
    expect(Buffer.byteLength(recorded, 'utf8')).toBeLessThanOrEqual(MAX_NOTE_BYTES);
    expect(recorded.endsWith('…')).toBe(true);
    expect(note.startsWith(recorded.slice(0, -1))).toBe(true);
  });
});
