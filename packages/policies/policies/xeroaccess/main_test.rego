package xeroaccess_test

import data.xeroaccess
import data.xeroaccess.fixtures_test as f

# One input that trips every check, with users whose ids sort differently from their order.
everything := object.union(
	object.remove(
		f.doc(
			[
				f.user("u3", "ghost@example.com", "STANDARD"),
				f.user("u1", "alice@example.com", "STANDARD"),
				f.user("u2", "bob@example.com", "INVOICEONLY"),
				f.user("u0", "nobody@example.com", "STANDARD"),
			],
			[
				f.offboarded("s1", "alice@example.com", "accountant", "2026-01-01T00:00:00Z"),
				f.active("s2", "bob@example.com", "accountant"),
			],
			[],
		),
		["connection"],
	),
	{"connection": f.connection(true, [])},
)

# The checks shipped in policies/xeroaccess/checks/. A team's custom checks sit beside them and
# may report on these inputs too, so the tests look only at the built-in checks' findings.
built_in_checks := {
	"critical-system-access-configured",
	"critical-system-access-valid",
	"offboarded-access-removed",
	"user-identified",
}

# [check, subject id] of each built-in finding, in the order given.
built_in(findings) := [[finding.check, finding.subject.id] |
	some finding in findings
	finding.check in built_in_checks
]

# What the built-in checks report on `everything`, sorted by check, then subject id.
want := [
	["critical-system-access-configured", "finance/acme"],
	["offboarded-access-removed", "u1"],
	["user-identified", "u0"],
	["user-identified", "u3"],
]

# On failure, `opa test --var-values` (as `xero-policies test` runs it) shows each failed entrypoint.
test_entrypoints_report_the_built_in_findings_sorted if {
	reported := {
		"findings": built_in(xeroaccess.findings),
		"result.findings": built_in(xeroaccess.result.findings),
		"unsorted_findings (sorted here)": sort(built_in(xeroaccess.unsorted_findings)),
	} with input as everything
	failed := {name: got | some name, got in reported; got != want}
	failed == {}
}

test_result_is_the_output_document if {
	result := xeroaccess.result with input as everything
	object.keys(result) == {"findings"}
	result.findings == xeroaccess.findings with input as everything
}

test_a_new_check_package_is_picked_up if {
	subject := {"kind": "connection", "id": "finance/acme"}
	extra := {"severity": "low", "subject": subject, "message": "m", "remediation": "r"}
	got := [finding | some finding in xeroaccess.findings; finding.check == "team-custom"] with input as f.doc([], [], [])
		with xeroaccess.checks["team-custom"] as {"findings": {extra}}
	got == [object.union(extra, {"check": "team-custom"})]
}
