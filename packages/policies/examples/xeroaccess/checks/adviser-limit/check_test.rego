package xeroaccess.checks["adviser-limit_test"]

import data.xeroaccess.checks["adviser-limit"] as check
import data.xeroaccess.fixtures_test as f

advisers(n) := [adviser |
	some i in numbers.range(1, n)
	adviser := f.user(sprintf("u%d", [i]), sprintf("adviser%d@example.com", [i]), "FINANCIALADVISER")
]

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

# On failure, `opa test --var-values` (as `xero-policies test` runs it) shows each failed case.
test_cases if {
	failed := {c.name: reported |
		some c in cases
		reported := {finding.subject.id | some finding in check.findings} with input as f.doc(c.users, [], [])
		reported != c.want
	}
	failed == {}
}

# The entrypoint picks the example up with no change to it or to any TypeScript.
test_included_in_the_output_document if {
	result := data.xeroaccess.result with input as f.doc(advisers(3), [], [])
	some finding in result.findings
	finding.check == "adviser-limit"
	finding.message == "XeroConnection finance/acme has 3 users with the FINANCIALADVISER role; at most 2 are expected."
}
