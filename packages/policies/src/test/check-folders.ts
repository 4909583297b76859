import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * A folder of extra Rego (what a team passes with --include), from relative path to content.
 * `xero-policies test` lints included folders with Regal: the checks below are Regal-clean
 * (lines of at most 120 characters, formatted as `opa fmt` does).
 */
export async function regoFolder(files: Record<string, string>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'xao-checks-'));
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), content);
  }
  return root;
}

const finding = (subject: string) =>
  `{"severity": "low", "subject": ${subject}, "message": "m", "remediation": "r"}`;

/** A check two levels under xeroaccess.checks, with a passing test of its own. */
export const NESTED_CHECK = {
  'xeroaccess/checks/acme/adviser_limit/check.rego': `package xeroaccess.checks.acme.adviser_limit

import data.xeroaccess.lib.identity

findings contains finding if {
	some user in identity.live_users
	user.organisationRole == "FINANCIALADVISER"
	finding := ${finding('{"kind": "user", "id": user.userId}')}
}
`,
  'xeroaccess/checks/acme/adviser_limit/check_test.rego': `package xeroaccess.checks.acme.adviser_limit_test

import data.xeroaccess.checks.acme.adviser_limit as check
import data.xeroaccess.fixtures_test as f

test_an_adviser_is_reported if {
	adviser := f.user("u1", "adviser@example.com", "FINANCIALADVISER")
	reported := {finding.subject.id | some finding in check.findings} with input as f.doc([adviser], [], [])
	reported == {"u1"}
}
`,
};

/** A check that reports every connection, so also the one in main_test.rego's fixture. */
export const ALWAYS_FIRING_CHECK = {
  'xeroaccess/checks/connection-reviewed/check.rego': `package xeroaccess.checks["connection-reviewed"]

findings contains finding if {
	id := concat("/", [input.connection.namespace, input.connection.name])
	finding := ${finding('{"kind": "connection", "id": id}')}
}
`,
};

/** A check no test input reaches: a third of its lines covered (its rule's first condition). */
export const UNTESTED_CHECK = {
  'xeroaccess/checks/crowded-organisation/check.rego': `package xeroaccess.checks["crowded-organisation"]

findings contains finding if {
	count(input.users) > 1000
	finding := ${finding('{"kind": "connection", "id": "acme"}')}
}
`,
};

/** Data beside the Rego, which opa build puts in the bundle's /data.json. */
export const DATA_FILE = {
  'xeroaccess/settings/data.json': '{"maxAdvisers": 3}\n',
};
