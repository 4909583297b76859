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

# now is 2026-11-22T00:00:00Z. want: the check's reevaluate_at, the ends of the grace periods
# still running.
reevaluate_cases := [
	{
		"name": "a grace period ending ahead of now",
		"users": [f.user("u1", "alice@example.com", "STANDARD")],
		"staff": [f.offboarded("s1", "alice@example.com", "accountant", "2026-11-21T06:00:00Z")],
		"links": [],
		"settings": {"offboardingGraceHours": 24},
		"want": {"2026-11-22T06:00:00Z"},
	},
	{
		"name": "a grace period that ended before now is a finding already",
		"users": [f.user("u1", "alice@example.com", "STANDARD")],
		"staff": [f.offboarded("s1", "alice@example.com", "accountant", "2026-11-20T23:59:59Z")],
		"links": [],
		"settings": {"offboardingGraceHours": 24},
		"want": set(),
	},
	{
		"name": "a grace period ending exactly now is still running (strictly more than the grace)",
		"users": [f.user("u1", "alice@example.com", "STANDARD")],
		"staff": [f.offboarded("s1", "alice@example.com", "accountant", "2026-11-21T00:00:00Z")],
		"links": [],
		"settings": {"offboardingGraceHours": 24},
		"want": {"2026-11-22T00:00:00Z"},
	},
	{
		"name": "no offboardedAt is a finding at once, never a time",
		"users": [f.user("u1", "alice@example.com", "STANDARD")],
		"staff": [f.offboarded("s1", "alice@example.com", "accountant", null)],
		"links": [],
		"settings": {"offboardingGraceHours": 24},
		"want": set(),
	},
	{
		"name": "REMOVED users have no access to lose",
		"users": [f.user("u1", "alice@example.com", "REMOVED")],
		"staff": [f.offboarded("s1", "alice@example.com", "accountant", "2026-11-21T06:00:00Z")],
		"links": [],
		"settings": {"offboardingGraceHours": 24},
		"want": set(),
	},
	{
		"name": "active members have no grace period",
		"users": [f.user("u1", "alice@example.com", "STANDARD")],
		"staff": [f.active("s1", "alice@example.com", "accountant")],
		"links": [],
		"settings": {"offboardingGraceHours": 24},
		"want": set(),
	},
	{
		"name": "an account link wins over the email match",
		"users": [f.user("u1", "bob@example.com", "STANDARD")],
		"staff": [
			f.offboarded("s1", "carol@example.com", "accountant", "2026-11-21T03:00:00Z"),
			f.offboarded("s2", "bob@example.com", "accountant", "2026-11-21T01:00:00Z"),
		],
		"links": [f.link("u1", "s1")],
		"settings": {"offboardingGraceHours": 24},
		"want": {"2026-11-22T03:00:00Z"},
	},
	{
		"name": "an email match, whatever its case",
		"users": [f.user("u1", "Alice@Example.com", "STANDARD")],
		"staff": [f.offboarded("s1", "alice@EXAMPLE.com", "accountant", "2026-11-21T06:00:00Z")],
		"links": [],
		"settings": {"offboardingGraceHours": 24},
		"want": {"2026-11-22T06:00:00Z"},
	},
	{
		"name": "a non-human link ties the user to nobody",
		"users": [f.user("u1", "robot@example.com", "STANDARD")],
		"staff": [f.offboarded("s1", "robot@example.com", "accountant", "2026-11-21T06:00:00Z")],
		"links": [f.non_human("u1", "integration")],
		"settings": {"offboardingGraceHours": 24},
		"want": set(),
	},
	{
		"name": "a broken link ties the user to nobody, not to the email match",
		"users": [f.user("u1", "alice@example.com", "STANDARD")],
		"staff": [f.offboarded("s1", "alice@example.com", "accountant", "2026-11-21T06:00:00Z")],
		"links": [f.link("u1", "s-gone")],
		"settings": {"offboardingGraceHours": 24},
		"want": set(),
	},
	{
		"name": "custom grace hours, an offset and a fraction (the end is given in UTC)",
		"users": [f.user("u1", "alice@example.com", "STANDARD")],
		"staff": [f.offboarded("s1", "alice@example.com", "accountant", "2026-11-21T23:00:00.25+02:00")],
		"links": [],
		"settings": {"offboardingGraceHours": 6},
		"want": {"2026-11-22T03:00:00.25Z"},
	},
	{
		"name": "without settings the grace is 24 hours",
		"users": [f.user("u1", "alice@example.com", "STANDARD")],
		"staff": [f.offboarded("s1", "alice@example.com", "accountant", "2026-11-21T21:00:00Z")],
		"links": [],
		"settings": null,
		"want": {"2026-11-22T21:00:00Z"},
	},
	{
		"name": "one end per running grace period; ended and undated ones are findings already",
		"users": [
			f.user("u1", "a@example.com", "STANDARD"),
			f.user("u2", "b@example.com", "STANDARD"),
			f.user("u3", "c@example.com", "STANDARD"),
			f.user("u4", "d@example.com", "STANDARD"),
		],
		"staff": [
			f.offboarded("s1", "a@example.com", "accountant", "2026-11-21T09:00:00+02:00"),
			f.offboarded("s2", "b@example.com", "accountant", "2026-11-21T05:00:00Z"),
			f.offboarded("s3", "c@example.com", "accountant", "2026-11-19T00:00:00Z"),
			f.offboarded("s4", "d@example.com", "accountant", null),
		],
		"links": [],
		"settings": {"offboardingGraceHours": 24},
		"want": {"2026-11-22T07:00:00Z", "2026-11-22T05:00:00Z"},
	},
]

test_reevaluate_at_cases if {
	failed := {c.name: {"got": got, "want": c.want} |
		some c in reevaluate_cases
		got := check.reevaluate_at with input as _doc(c)
		got != c.want
	}
	failed == {}
}

# At each end the user is not reported yet; a nanosecond after it, they are.
test_reevaluate_at_is_when_the_findings_change if {
	failed := {[c.name, end] |
		some c in reevaluate_cases
		some end in check.reevaluate_at with input as _doc(c)
		at_end := _reported with input as object.union(_doc(c), {"now": end})
		just_after := _reported with input as object.union(_doc(c), {"now": _nanosecond_after(end)})
		count(just_after - at_end) != 1
	}
	failed == set()
}

_reported contains finding.subject.id if some finding in check.findings

_nanosecond_after(ts) := time.format(time.parse_rfc3339_ns(ts) + 1)
