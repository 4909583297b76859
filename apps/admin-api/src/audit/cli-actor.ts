import { userInfo } from 'node:os';
import type { AuditActor } from '@xero-access/model';

/**
 * Who runs a CLI command, as the audit log names them: `cli:<OS user>`. A container running as a
 * uid the image has no passwd entry for (OpenShift's arbitrary uids) has no user name, and
 * userInfo throws there: the uid names them then (`cli:uid-1000660000`).
 */
export function cliActor(
  user: () => { username: string } = () => userInfo(),
  uid: () => number | undefined = () => process.getuid?.(),
): AuditActor {
  try {
    const { username } = user();
    if (username) return { actor: `cli:${username}` };
  } catch {
    // No user name for this uid: named by the uid below.
  }
  const id = uid();
  return { actor: id === undefined ? 'cli:unknown' : `cli:uid-${id}` };
}
