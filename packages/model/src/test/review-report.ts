import type { AccessReviewReport } from '../services/review-report.js';
import type { Database } from '../services/database.js';

type AsJson<T> = T extends Date
  ? string
  : T extends (infer U)[]
    ? AsJson<U>[]
    : T extends object
      ? { [K in keyof T]: AsJson<T[K]> }
      : T;

/** A review report as it travels: JSON, dates as ISO strings. */
export type ReportJson = AsJson<AccessReviewReport>;

/** The review's report as a client reads it: the streamed text, whole, then parsed. */
export async function readReport(db: Database, id: string, now?: Date): Promise<ReportJson | null> {
  const report = await db.reviews.exportReport(id, now);
  if (!report) return null;
  let text = '';
  for await (const piece of report.text()) text += piece;
  const parsed = JSON.parse(text) as ReportJson;
  if (parsed.sha256 !== report.sha256()) throw new Error('the report names another digest');
  return parsed;
}
