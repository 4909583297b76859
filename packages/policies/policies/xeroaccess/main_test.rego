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

test_findings_are_sorted_by_check_then_subject if {
	got := [[finding.check, finding.subject.id] | some finding in xeroaccess.findings] with input as everything
	got == [
		["critical-system-access-configured", "finance/acme"],
		["offboarded-access-removed", "u1"],
		["user-identified", "u0"],
		["user-identified", "u3"],
	]
}

test_result_is_the_output_document if {
	result := xeroaccess.result with input as everything
	object.keys(result) == {"findings"}
	count(result.findings) == 4
}

test_a_new_check_package_is_picked_up if {
	subject := {"kind": "connection", "id": "finance/acme"}
	extra := {"severity": "low", "subject": subject, "message": "m", "remediation": "r"}
	got := [finding.check | some finding in xeroaccess.findings] with input as f.doc([], [], [])
		with xeroaccess.checks["team-custom"] as {"findings": {extra}}
	got == ["team-custom"]
}
