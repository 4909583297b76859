package xeroaccess.checks["offboarded-access-removed_test"]

import data.xeroaccess.checks["offboarded-access-removed"] as check
import data.xeroaccess.fixtures_test as f

# now is 2026-11-22T00:00:00Z; the default fixture grace is 24 hours.
cases := [
	{
		"name": "offboarded two days ago with access is reported",
		"users": [f.user("u1", "alice@example.com", "STANDARD")],
		"staff": [f.offboarded("s1", "alice@example.com", "accountant", "2026-11-20T00:00:00Z")],
		"links": [],
		"settings": {"offboardingGraceHours": 24},
		"want": {"u1"},
	},
	{
		"name": "within the grace period is not reported",
		"users": [f.user("u1", "alice@example.com", "STANDARD")],
		"staff": [f.offboarded("s1", "alice@example.com", "accountant", "2026-11-21T12:00:00Z")],
		"links": [],
		"settings": {"offboardingGraceHours": 24},
		"want": set(),
	},
	{
		"name": "exactly the grace period is not yet more than it",
		"users": [f.user("u1", "alice@example.com", "STANDARD")],
		"staff": [f.offboarded("s1", "alice@example.com", "accountant", "2026-11-21T00:00:00Z")],
		"links": [],
		"settings": {"offboardingGraceHours": 24},
		"want": set(),
	},
	{
		"name": "a shorter grace setting is honoured",
		"users": [f.user("u1", "alice@example.com", "STANDARD")],
		"staff": [f.offboarded("s1", "alice@example.com", "accountant", "2026-11-21T12:00:00Z")],
		"links": [],
		"settings": {"offboardingGraceHours": 6},
		"want": {"u1"},
	},
	{
		"name": "without settings the grace is 24 hours",
		"users": [f.user("u1", "alice@example.com", "STANDARD"), f.user("u2", "bob@example.com", "STANDARD")],
		"staff": [
			f.offboarded("s1", "alice@example.com", "accountant", "2026-11-21T12:00:00Z"),
			f.offboarded("s2", "bob@example.com", "accountant", "2026-11-20T23:00:00Z"),
		],
		"links": [],
		"settings": null,
		"want": {"u2"},
	},
	{
		"name": "REMOVED users are ignored",
		"users": [f.user("u1", "alice@example.com", "REMOVED")],
		"staff": [f.offboarded("s1", "alice@example.com", "accountant", "2026-01-01T00:00:00Z")],
		"links": [],
		"settings": {"offboardingGraceHours": 24},
		"want": set(),
	},
	{
		"name": "active staff are not reported",
		"users": [f.user("u1", "alice@example.com", "STANDARD")],
		"staff": [f.active("s1", "alice@example.com", "accountant")],
		"links": [],
		"settings": {"offboardingGraceHours": 24},
		"want": set(),
	},
	{
		"name": "an explicit link ties the user to the offboarded member",
		"users": [f.user("u1", "old-address@example.com", "FINANCIALADVISER")],
		"staff": [f.offboarded("s1", "alice@example.com", "accountant", "2026-11-01T00:00:00Z")],
		"links": [f.link("u1", "s1")],
		"settings": {"offboardingGraceHours": 24},
		"want": {"u1"},
	},
	{
		"name": "offboarded without a date is reported",
		"users": [f.user("u1", "alice@example.com", "STANDARD")],
		"staff": [f.offboarded("s1", "alice@example.com", "accountant", null)],
		"links": [],
		"settings": {"offboardingGraceHours": 24},
		"want": {"u1"},
	},
	{
		"name": "unidentified and non-human users are left to user-identified",
		"users": [f.user("u1", "ghost@example.com", "STANDARD"), f.user("u2", "robot@example.com", "STANDARD")],
		"staff": [],
		"links": [f.non_human("u2", "integration")],
		"settings": {"offboardingGraceHours": 24},
		"want": set(),
	},
	{
		"name": "a non-human link wins over an email match with an offboarded member",
		"users": [f.user("u1", "robot@example.com", "STANDARD")],
		"staff": [f.offboarded("s1", "robot@example.com", "accountant", "2026-11-01T00:00:00Z")],
		"links": [f.non_human("u1", "integration")],
		"settings": {"offboardingGraceHours": 24},
		"want": set(),
	},
]

_doc(c) := object.remove(f.doc(c.users, c.staff, c.links), ["settings"]) if c.settings == null

_doc(c) := object.union(f.doc(c.users, c.staff, c.links), {"settings": c.settings}) if c.settings != null

# On failure, `opa test --var-values` (as `xero-policies test` runs it) shows each failed case.
test_cases if {
	failed := {c.name: reported |
		some c in cases
		reported := {finding.subject.id | some finding in check.findings} with input as _doc(c)
		reported != c.want
	}
	failed == {}
}

test_messages_and_severity if {
	dated := check.findings with input as _doc(cases[0])
	{finding.message | some finding in dated} == {concat("", [
		"Xero user alice@example.com belongs to s1, offboarded at 2026-11-20T00:00:00Z, ",
		"and still has STANDARD access after the 24-hour grace period.",
	])}
	{finding.severity | some finding in dated} == {"high"}
	undated := check.findings with input as _doc(cases[8])
	{finding.message | some finding in undated} == {concat("", [
		"Xero user alice@example.com belongs to s1, who is offboarded with no offboarding date, ",
		"and still has STANDARD access.",
	])}
}
