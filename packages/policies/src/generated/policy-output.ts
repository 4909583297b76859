/* Generated from src/schema by `npm run generate`: do not edit by hand. */

/**
 * Findings of every check, sorted by check then subject id.
 */
export interface PolicyOutput {
  findings: Finding[];
}
/**
 * One check's finding about one subject: at most one per check and subject, and no longer than the database stores (packages/model, reported-finding.ts).
 */
export interface Finding {
  /**
   * Check id: the package key under xeroaccess.checks, e.g. user-identified.
   */
  check: string;
  severity: 'high' | 'medium' | 'low';
  subject: Subject;
  message: string;
  remediation: string;
}
export interface Subject {
  kind: 'user' | 'connection';
  /**
   * Xero UserID, or namespace/name for a connection.
   */
  id: string;
}
