/**
 * Runs one expiry sweep from its own process, as another replica or the other app would (an SQLite
 * file is shared between processes, never between two connections of one process).
 * Arguments: database URL, `now` (ISO), alert target, start time (epoch ms: runs then, so that
 * several processes overlap). Prints the swept findings' event ids as JSON.
 */
import { createOrm } from '../orm/create-orm.js';
import { findingAlertsTo } from './fixtures.js';

const [url, now, target, startAt] = process.argv.slice(2) as [string, string, string, string];
const model = await createOrm({ url });
try {
  await new Promise((resolve) => setTimeout(resolve, Math.max(Number(startAt) - Date.now(), 0)));
  const result = await model.db.findings.expireAcceptances(new Date(now), async () =>
    findingAlertsTo(target),
  );
  process.stdout.write(
    JSON.stringify(result.expired.flatMap((e) => e.transitions.map((x) => x.eventId))),
  );
} finally {
  await model.close();
}
