import { StaffMember } from '../entities/staff-member.js';
import { NotFoundError } from '../errors.js';
import { isUuid } from '../ids.js';
import type { AuditActor } from './audit.js';
import type { ServiceContext } from './context.js';
import { eraseStaffMember, type StaffErasure } from './staff-erasure.js';
import { SubjectExport } from './subject-export.js';
import { subjectOf } from './subject-scope.js';

export type { ErasureResult, StaffErasure } from './staff-erasure.js';
export type { SubjectExport } from './subject-export.js';
export type { SubjectEmailTies } from './subject-scope.js';
export type { SubjectAppearance, SubjectTie, SubjectXeroUser } from './subject-users.js';

/** The rights of the people the staff directory names (GDPR Art. 15 and 17). */
export class SubjectService {
  constructor(private readonly ctx: ServiceContext) {}

  /**
   * Everything stored about one staff member (deleted ones too), to be read once as it is
   * written (`text()`); null when there is no such member.
   */
  async export(staffId: string, now = this.ctx.clock()): Promise<SubjectExport | null> {
    if (!isUuid(staffId)) return null;
    const em = this.ctx.em();
    const member = await em.findOne(StaffMember, { id: staffId });
    if (!member) return null;
    const { users, scope, emailTies } = await subjectOf(em, member);
    em.clear();
    return new SubjectExport(em, member, users, scope, emailTies, now);
  }

  /**
   * Erases the member's personal data where no hash covers it (see eraseStaffMember); returns the
   * member as erased, and what else was.
   */
  async erase(staffId: string, by: AuditActor, now = this.ctx.clock()): Promise<StaffErasure> {
    if (!isUuid(staffId)) throw new NotFoundError('staff member', String(staffId));
    return this.ctx
      .em()
      .transactional((em) => eraseStaffMember(em, this.ctx.dialect, staffId, by, now));
  }
}
