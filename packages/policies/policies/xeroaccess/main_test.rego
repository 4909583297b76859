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

# A custom check whose only content is a reevaluate_at value, for the tests below.
_check_reevaluating_at(value) := {"findings": set(), "reevaluate_at": value}

# now is 2026-11-22T00:00:00Z; the built-in offboarded-access-removed adds its grace ends.
reevaluate_cases := [
	{
		"name": "none anywhere is null",
		"offboarded_at": null,
		"custom": set(),
		"want": null,
	},
	{
		"name": "a built-in check's time",
		"offboarded_at": "2026-11-21T06:00:00Z",
		"custom": set(),
		"want": "2026-11-22T06:00:00Z",
	},
	{
		"name": "the earliest across checks, compared as times, not strings (offsets)",
		"offboarded_at": "2026-11-21T06:00:00Z",
		"custom": {"2026-11-22T07:00:00+02:00", "2026-11-22T09:00:00Z"},
		"want": "2026-11-22T07:00:00+02:00",
	},
	{
		"name": "a built-in time earlier than the custom one",
		"offboarded_at": "2026-11-21T04:00:00Z",
		"custom": ["2026-11-22T05:00:00Z"],
		"want": "2026-11-22T04:00:00Z",
	},
	{
		"name": "exactly now counts; before now changes nothing any more",
		"offboarded_at": null,
		"custom": {"2026-11-21T23:59:59.999999999Z", "2026-11-22T00:00:00Z"},
		"want": "2026-11-22T00:00:00Z",
	},
	{
		"name": "only times before now is null",
		"offboarded_at": null,
		"custom": {"2026-11-21T00:00:00Z"},
		"want": null,
	},
]

_offboarded_doc(offboarded_at) := f.doc(
	[f.user("u1", "alice@example.com", "STANDARD")],
	[f.offboarded("s1", "alice@example.com", "accountant", offboarded_at)],
	[],
)

test_reevaluate_at_is_the_earliest_of_every_check if {
	failed := {c.name: {"got": got, "want": c.want} |
		some c in reevaluate_cases
		got := xeroaccess.reevaluate_at with input as _offboarded_doc(c.offboarded_at)
			with xeroaccess.checks["team-custom"] as _check_reevaluating_at(c.custom)
		got != c.want
	}
	failed == {}
}

# [reevaluate_at of a custom check, what invalid_reevaluate_at says of it]
invalid_cases := [
	[{"2026-11-22T06:00:00Z"}, {}],
	[{"next tuesday", "2026-11-22T06:00:00Z", 1795305600}, {"team-custom": [1795305600, "next tuesday"]}],
	[["2026-11-22T06:00:00Z", "soon"], {"team-custom": ["soon"]}],
	["2026-11-22T06:00:00Z", {"team-custom": ["2026-11-22T06:00:00Z"]}],
	[{"at": "2026-11-22T06:00:00Z"}, {"team-custom": [{"at": "2026-11-22T06:00:00Z"}]}],
]

test_invalid_reevaluate_at_names_the_check if {
	failed := {[value, got] |
		some [value, want] in invalid_cases
		got := xeroaccess.invalid_reevaluate_at with input as f.doc([], [], [])
			with xeroaccess.checks["team-custom"] as _check_reevaluating_at(value)
		{check: sort(entries) | some check, entries in got} != want
	}
	failed == set()
}

test_evaluation_is_the_findings_with_reevaluate_at if {
	doc := _offboarded_doc("2026-11-21T06:00:00Z")
	evaluation := xeroaccess.evaluation with input as doc
	object.keys(evaluation) == {"findings", "reevaluate_at"}
	evaluation.findings == xeroaccess.unsorted_findings with input as doc
	evaluation.reevaluate_at == "2026-11-22T06:00:00Z"
}

test_evaluation_lists_invalid_reevaluate_at if {
	evaluation := xeroaccess.evaluation with input as _offboarded_doc("2026-11-21T06:00:00Z")
		with xeroaccess.checks["team-custom"] as _check_reevaluating_at({"soon"})
	evaluation.reevaluate_at == null
	evaluation.invalid_reevaluate_at == {"team-custom": ["soon"]}
}
