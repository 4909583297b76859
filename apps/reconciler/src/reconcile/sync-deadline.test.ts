import { describe, expect, it } from 'vitest';
import { FencedError } from '../controller/fenced.js';
import { SyncDeadline, SyncTimedOutError } from './sync-deadline.js';

/** What node-fetch (under the Kubernetes client) rejects an aborted request with. */
const fetchAbort = () =>
  Object.assign(new Error('The user aborted a request.'), { name: 'AbortError' });

describe('SyncDeadline', () => {
  it('aborts at the timeout with SyncTimedOutError, and reads an aborted call as that', async () => {
    const deadline = new SyncDeadline(new AbortController().signal, 50);
    expect(deadline.at.getTime()).toBeLessThanOrEqual(Date.now() + 50);
    await new Promise((r) => setTimeout(r, 80));
    expect(deadline.signal.reason).toBeInstanceOf(SyncTimedOutError);
    expect(deadline.causeOf(fetchAbort())).toBe(deadline.signal.reason);
    // Anything else is what it is, even past the deadline.
    const other = new Error('HTTP 500');
    expect(deadline.causeOf(other)).toBe(other);
  });

  it('aborts at once when fenced, with the FencedError', () => {
    const fencing = new AbortController();
    const deadline = new SyncDeadline(fencing.signal, 60_000);
    expect(deadline.causeOf(fetchAbort())).toBeInstanceOf(Error);
    fencing.abort(new FencedError());
    expect(deadline.signal.reason).toBeInstanceOf(FencedError);
    expect(deadline.causeOf(fetchAbort())).toBeInstanceOf(FencedError);
    expect(deadline.finishing().reason).toBeInstanceOf(FencedError);
    deadline.dispose();
  });

  it('gives the calls that finish a sync their own time once it has run out', async () => {
    const deadline = new SyncDeadline(new AbortController().signal, 10);
    await new Promise((r) => setTimeout(r, 30));
    expect(deadline.signal.aborted).toBe(true);
    expect(deadline.finishing().aborted).toBe(false);
  });
});
