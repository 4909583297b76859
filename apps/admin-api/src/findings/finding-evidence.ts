import { Inject, Injectable } from '@nestjs/common';
import type { Database, FindingRecord, SnapshotUser } from '@xero-access/model';
import { DB } from '../database/database.module.js';

export interface FindingEvidenceView {
  snapshot: {
    id: string;
    takenAt: Date;
    tenantId: string;
    tenantName: string;
    sequence: number;
    userCount: number;
    contentHash: string;
    chainHash: string;
  } | null;
  /** The subject as that snapshot recorded it (user findings only). */
  subjectUser: SnapshotUser | null;
}

/** The snapshot a finding was last reported in, and the subject's row in it. */
@Injectable()
export class FindingEvidence {
  constructor(@Inject(DB) private readonly db: Database) {}

  async of(finding: FindingRecord): Promise<FindingEvidenceView> {
    if (!finding.snapshotId) return { snapshot: null, subjectUser: null };
    const s = await this.db.snapshots.get(finding.snapshotId);
    if (!s) return { snapshot: null, subjectUser: null };
    const subjectUser =
      finding.subject.kind === 'user'
        ? ((await this.db.snapshots.users(s.id)).find((u) => u.userId === finding.subject.id) ??
          null)
        : null;
    return {
      snapshot: {
        id: s.id,
        takenAt: s.takenAt,
        tenantId: s.tenantId,
        tenantName: s.tenantName,
        sequence: s.sequence,
        userCount: s.userCount,
        contentHash: s.contentHash,
        chainHash: s.chainHash,
      },
      subjectUser,
    };
  }
}
