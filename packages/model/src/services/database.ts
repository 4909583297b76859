import type { MikroORM } from '@mikro-orm/core';
import type { AbstractSqlDriver, SqlEntityManager } from '@mikro-orm/knex';
import type { Dialect } from '../orm/database-url.js';
import type { SnapshotUser } from '../snapshots/snapshot-user.js';
import { AuditLogService } from './audit.js';
import { rejectNulArguments } from './nul-guard.js';
import { ConnectionService } from './connections.js';
import type { ServiceContext } from './context.js';
import { FindingService } from './findings.js';
import { AccountLinkService, type PolicyAccountLink } from './links.js';
import { AccessReviewService } from './reviews.js';
import { RetentionService } from './retention.js';
import { SnapshotService, type SnapshotRecord } from './snapshots.js';
import { StaffService } from './staff.js';
import { SubjectService } from './subjects.js';
import { ApiTokenService } from './tokens.js';
import { WebhookDeliveryService } from './webhooks.js';

/** A staff member as the policy input expects it (design.md, "staff"). */
export interface PolicyStaff {
  id: string;
  email: string;
  name: string;
  orgRole: string | null;
  status: 'active' | 'offboarded';
  offboardedAt: string | null;
}

/** Everything the policy input needs from the database for one snapshot. */
export interface EvaluationContext {
  snapshot: SnapshotRecord;
  users: SnapshotUser[];
  staff: PolicyStaff[];
  accountLinks: PolicyAccountLink[];
}

export interface DatabaseOptions {
  /** The time stamped on what is written (default: the system clock); tests set their own. */
  clock?: () => Date;
}

/** The operations the reconciler and the admin API share, grouped by resource. */
export class Database {
  readonly connections: ConnectionService;
  readonly snapshots: SnapshotService;
  readonly findings: FindingService;
  readonly staff: StaffService;
  readonly links: AccountLinkService;
  readonly reviews: AccessReviewService;
  readonly tokens: ApiTokenService;
  readonly audit: AuditLogService;
  readonly webhooks: WebhookDeliveryService;
  readonly retention: RetentionService;
  /** The rights of the people the directory names: export (Art. 15) and erasure (Art. 17). */
  readonly subjects: SubjectService;

  constructor(
    readonly orm: MikroORM<AbstractSqlDriver>,
    readonly dialect: Dialect,
    options: DatabaseOptions = {},
  ) {
    const ctx: ServiceContext = {
      em: () => orm.em.fork() as SqlEntityManager,
      dialect,
      clock: options.clock ?? (() => new Date()),
    };
    this.connections = rejectNulArguments(new ConnectionService(ctx));
    this.snapshots = rejectNulArguments(new SnapshotService(ctx));
    this.findings = rejectNulArguments(new FindingService(ctx));
    this.staff = rejectNulArguments(new StaffService(ctx));
    this.links = rejectNulArguments(new AccountLinkService(ctx));
    this.reviews = rejectNulArguments(new AccessReviewService(ctx));
    this.tokens = rejectNulArguments(new ApiTokenService(ctx));
    // The audit log must record even a request full of NULs: it replaces them instead.
    this.audit = new AuditLogService(ctx);
    this.webhooks = rejectNulArguments(new WebhookDeliveryService(ctx));
    this.retention = new RetentionService(ctx);
    this.subjects = rejectNulArguments(new SubjectService(ctx));
  }

  /** The snapshot, its users, the whole staff directory and the links of its users. */
  async evaluationContext(snapshotId: string): Promise<EvaluationContext | null> {
    const snapshot = await this.snapshots.get(snapshotId);
    if (!snapshot) return null;
    const users = await this.snapshots.users(snapshotId);
    const [staff, accountLinks] = await Promise.all([
      this.staff.all(),
      this.links.forUsers(users.map((u) => u.userId)),
    ]);
    return {
      snapshot,
      users,
      staff: staff.map((s) => ({
        id: s.id,
        email: s.email,
        name: s.name,
        orgRole: s.orgRole,
        status: s.status,
        offboardedAt: s.offboardedAt?.toISOString() ?? null,
      })),
      accountLinks,
    };
  }
}
