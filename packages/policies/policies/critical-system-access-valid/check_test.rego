package xeroaccess_test.checks.critical_system_access_valid

import data.xeroaccess.checks["critical-system-access-valid"] as check
import data.xeroaccess_test.fixtures as f

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
		"want": set(),
	},
	{
		"name": "a role listed by a second mapping for the same org role is valid",
		"users": [f.user("u1", "alice@example.com", "FINANCIALADVISER")],
		"staff": [f.active("s1", "alice@example.com", "accountant")],
		"want": set(),
	},
	{
		"name": "an unlisted Xero role is reported",
		"users": [f.user("u1", "alice@example.com", "INVOICEONLY")],
		"staff": [f.active("s1", "alice@example.com", "accountant")],
		"want": {"u1"},
	},
	{
		"name": "an org role without a mapping is reported",
		"users": [f.user("u1", "bob@example.com", "READONLY")],
		"staff": [f.active("s1", "bob@example.com", "sales")],
		"want": {"u1"},
	},
	{
		"name": "empty xeroRoles allows any role",
		"users": [f.user("u1", "carol@example.com", "FINANCIALADVISER")],
		"staff": [f.active("s1", "carol@example.com", "cfo")],
		"want": set(),
	},
	{
		"name": "missing xeroRoles allows any role",
		"users": [f.user("u1", "dan@example.com", "STANDARD")],
		"staff": [f.active("s1", "dan@example.com", "auditor")],
		"want": set(),
	},
	{
		"name": "REMOVED users are ignored",
		"users": [f.user("u1", "bob@example.com", "REMOVED")],
		"staff": [f.active("s1", "bob@example.com", "sales")],
		"want": set(),
	},
	{
		"name": "unidentified users are left to user-identified",
		"users": [f.user("u1", "ghost@example.com", "STANDARD")],
		"staff": [],
		"want": set(),
	},
	{
		"name": "offboarded members are left to offboarded-access-removed",
		"users": [f.user("u1", "bob@example.com", "STANDARD")],
		"staff": [f.offboarded("s1", "bob@example.com", "sales", "2026-01-01T00:00:00Z")],
		"want": set(),
	},
]

_doc(c, connection) := object.union(object.remove(f.doc(c.users, c.staff, []), ["connection"]), {"connection": connection})

_reported(c, connection) := {finding.subject.id | some finding in check.findings with input as _doc(c, connection)}

test_cases if {
	failed := {c.name: got |
		some c in cases
		got := _reported(c, f.connection(true, mappings))
		got != c.want
	}
	print("failed cases (name: reported user ids):", failed)
	count(failed) == 0
}

test_non_human_links_are_left_to_user_identified if {
	doc := object.union(
		object.remove(f.doc([f.user("u1", "robot@example.com", "STANDARD")], [], [f.non_human("u1", "integration")]), ["connection"]),
		{"connection": f.connection(true, mappings)},
	)
	count(check.findings) == 0 with input as doc
}

test_only_critical_systems_with_mappings_are_checked if {
	invalid := cases[2]
	_reported(invalid, f.connection(false, mappings)) == set()
	_reported(invalid, f.connection(true, [])) == set()
	_reported(invalid, {"namespace": "finance", "name": "acme", "criticalSystem": true}) == set()
}

_messages(c) := {finding.message | some finding in check.findings with input as _doc(c, f.connection(true, mappings))}

test_messages_say_what_is_allowed if {
	_messages(cases[2]) == {"Xero user alice@example.com belongs to s1 (org role accountant) and has Xero role INVOICEONLY; the mapping allows only FINANCIALADVISER, READONLY, STANDARD."}
	_messages(cases[3]) == {"Xero user bob@example.com belongs to s1, whose org role sales has no access mapping for this system."}
}

test_severity_is_high if {
	some finding in check.findings with input as _doc(cases[2], f.connection(true, mappings))
	finding.severity == "high"
	finding.subject == {"kind": "user", "id": "u1"}
}
