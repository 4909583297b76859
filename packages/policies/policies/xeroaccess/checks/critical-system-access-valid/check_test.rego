package xeroaccess.checks["critical-system-access-valid_test"]

import data.xeroaccess.checks["critical-system-access-valid"] as check
import data.xeroaccess.fixtures_test as f

mappings := [
	{"orgRole": "accountant", "xeroRoles": ["STANDARD", "READONLY"]},
	{"orgRole": "accountant", "xeroRoles": ["FINANCIALADVISER"]},
	{"orgRole": "cfo", "xeroRoles": []},
	{"orgRole": "auditor"},
]

cases := [
	{
		"name": "a listed Xero role is valid",
		"users": [f.user("u1", "alice@example.com", "STANDARD")],
		"staff": [f.active("s1", "alice@example.com", "accountant")],
		"links": [],
		"want": set(),
	},
	{
		"name": "a role listed by a second mapping for the same org role is valid",
		"users": [f.user("u1", "alice@example.com", "FINANCIALADVISER")],
		"staff": [f.active("s1", "alice@example.com", "accountant")],
		"links": [],
		"want": set(),
	},
	{
		"name": "an unlisted Xero role is reported",
		"users": [f.user("u1", "alice@example.com", "INVOICEONLY")],
		"staff": [f.active("s1", "alice@example.com", "accountant")],
		"links": [],
		"want": {"u1"},
	},
	{
		"name": "an org role without a mapping is reported",
		"users": [f.user("u1", "bob@example.com", "READONLY")],
		"staff": [f.active("s1", "bob@example.com", "sales")],
		"links": [],
		"want": {"u1"},
	},
	{
		"name": "empty xeroRoles allows any role",
		"users": [f.user("u1", "carol@example.com", "FINANCIALADVISER")],
		"staff": [f.active("s1", "carol@example.com", "cfo")],
		"links": [],
		"want": set(),
	},
	{
		"name": "missing xeroRoles allows any role",
		"users": [f.user("u1", "dan@example.com", "STANDARD")],
		"staff": [f.active("s1", "dan@example.com", "auditor")],
		"links": [],
		"want": set(),
	},
	{
		"name": "REMOVED users are ignored",
		"users": [f.user("u1", "bob@example.com", "REMOVED")],
		"staff": [f.active("s1", "bob@example.com", "sales")],
		"links": [],
		"want": set(),
	},
	{
		"name": "unidentified users are left to user-identified",
		"users": [f.user("u1", "ghost@example.com", "STANDARD")],
		"staff": [],
		"links": [],
		"want": set(),
	},
	{
		"name": "offboarded members are left to offboarded-access-removed",
		"users": [f.user("u1", "bob@example.com", "STANDARD")],
		"staff": [f.offboarded("s1", "bob@example.com", "sales", "2026-01-01T00:00:00Z")],
		"links": [],
		"want": set(),
	},
	{
		"name": "a non-human link wins over an email match with an active member",
		"users": [f.user("u1", "robot@example.com", "STANDARD")],
		"staff": [f.active("s1", "robot@example.com", "sales")],
		"links": [f.non_human("u1", "integration")],
		"want": set(),
	},
]

_doc(c, connection) := f.with_connection(f.doc(c.users, c.staff, c.links), connection)

_critical(c) := _doc(c, f.connection(true, mappings))

# On failure, `opa test --var-values` (as `xero-policies test` runs it) shows each failed case.
test_cases if {
	failed := {c.name: reported |
		some c in cases
		reported := {finding.subject.id | some finding in check.findings} with input as _critical(c)
		reported != c.want
	}
	failed == {}
}

test_only_critical_systems_with_mappings_are_checked if {
	invalid := cases[2]
	count(check.findings) == 0 with input as _doc(invalid, f.connection(false, mappings))
	count(check.findings) == 0 with input as _doc(invalid, f.connection(true, []))
	unconfigured := {"namespace": "finance", "name": "acme", "criticalSystem": true}
	count(check.findings) == 0 with input as _doc(invalid, unconfigured)
}

test_messages_say_what_is_allowed if {
	wrong_role := {finding.message | some finding in check.findings} with input as _critical(cases[2])
	wrong_role == {concat("", [
		"Xero user alice@example.com belongs to s1 (org role accountant) and has Xero role INVOICEONLY; ",
		"the mapping allows only FINANCIALADVISER, READONLY, STANDARD.",
	])}
	unmapped := {finding.message | some finding in check.findings} with input as _critical(cases[3])
	unmapped == {"Xero user bob@example.com belongs to s1, whose org role sales has no access mapping for this system."}
}

test_severity_is_high if {
	some finding in check.findings with input as _doc(cases[2], f.connection(true, mappings))
	finding.severity == "high"
	finding.subject == {"kind": "user", "id": "u1"}
}
