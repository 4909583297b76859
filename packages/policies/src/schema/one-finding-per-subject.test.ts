import { describe, expect, it } from 'vitest';
import type { Finding } from '../generated/policy-output.js';
import { repeatedFindings } from './one-finding-per-subject.js';

const finding = (check: string, kind: 'user' | 'connection', id: string): Finding => ({
  check,
  severity: 'low',
  subject: { kind, id },
  message: 'm',
  remediation: 'r',
});

describe('repeatedFindings', () => {
  it('names each repeat of a check and subject, with its index', () => {
    expect(
      repeatedFindings([
        finding('role-review', 'user', 'u1'),
        finding('role-review', 'user', 'u1'),
        finding('role-review', 'user', 'u2'),
        finding('role-review', 'connection', 'finance/acme'),
        finding('role-review', 'connection', 'finance/acme'),
      ]),
    ).toEqual([
      {
        field: 'output.findings[1]',
        problem: 'check role-review reports user u1 twice; one finding per check and subject',
      },
      {
        field: 'output.findings[4]',
        problem:
          'check role-review reports connection finance/acme twice; one finding per check and subject',
      },
    ]);
  });

  it('allows one subject in several checks, and one id as a user and as a connection', () => {
    expect(
      repeatedFindings([
        finding('role-review', 'user', 'u1'),
        finding('user-identified', 'user', 'u1'),
        finding('role-review', 'connection', 'u1'),
      ]),
    ).toEqual([]);
  });
});
