package xeroaccess_test.examples.adviser_limit

import data.xeroaccess
import data.xeroaccess.checks["adviser-limit"] as check
import data.xeroaccess_test.fixtures as f

advisers(n) := [f.user(sprintf("u%d", [i]), sprintf("adviser%d@example.com", [i]), "FINANCIALADVISER") | some i in numbers.range(1, n)]

cases := [
	{"name": "two advisers are allowed", "users": advisers(2), "want": set()},
	{"name": "three advisers are too many", "users": advisers(3), "want": {"finance/acme"}},
	{
		"name": "removed advisers do not count",
		"users": array.concat(advisers(2), [f.user("u9", "old@example.com", "REMOVED")]),
		"want": set(),
	},
	{
		"name": "other roles do not count",
		"users": array.concat(advisers(2), [f.user("u9", "staff@example.com", "STANDARD")]),
		"want": set(),
	},
]

_reported(c) := {finding.subject.id | some finding in check.findings with input as f.doc(c.users, [], [])}

test_cases if {
	failed := {c.name: _reported(c) | some c in cases; _reported(c) != c.want}
	print("failed cases (name: reported connections):", failed)
	count(failed) == 0
}

# The entrypoint picks the example up with no change to it or to any TypeScript.
test_included_in_the_output_document if {
	result := xeroaccess.result with input as f.doc(advisers(3), [], [])
	some finding in result.findings
	finding.check == "adviser-limit"
	finding.message == "XeroConnection finance/acme has 3 users with the FINANCIALADVISER role; at most 2 are expected."
}
