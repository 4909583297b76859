package xeroaccess.checks["user-identified_test"]

import data.xeroaccess.checks["user-identified"] as check
import data.xeroaccess.fixtures_test as f

# Each case: users, staff and links, and the user ids that must be reported.
cases := [
	{
		"name": "email match is case-insensitive",
		"users": [f.user("u1", "Alice@Example.com", "STANDARD")],
		"staff": [f.active("s1", "alice@EXAMPLE.com", "accountant")],
		"links": [],
		"want": set(),
	},
	{
		"name": "no link and no email match is unidentified",
		"users": [f.user("u1", "ghost@example.com", "STANDARD")],
		"staff": [f.active("s1", "alice@example.com", "accountant")],
		"links": [],
		"want": {"u1"},
	},
	{
		"name": "REMOVED users are ignored",
		"users": [f.user("u1", "ghost@example.com", "REMOVED")],
		"staff": [],
		"links": [],
		"want": set(),
	},
	{
		"name": "explicit link identifies a user whose email differs",
		"users": [f.user("u1", "a.smith@contractor.io", "STANDARD")],
		"staff": [f.active("s1", "alice@example.com", "accountant")],
		"links": [f.link("u1", "s1")],
		"want": set(),
	},
	{
		"name": "link to a missing staff id is unidentified even when the email matches",
		"users": [f.user("u1", "alice@example.com", "STANDARD")],
		"staff": [f.active("s1", "alice@example.com", "accountant")],
		"links": [f.link("u1", "s-gone")],
		"want": {"u1"},
	},
	{
		"name": "link to a duplicated staff id is unidentified",
		"users": [f.user("u1", "alice@example.com", "STANDARD")],
		"staff": [f.active("s1", "alice@example.com", "accountant"), f.active("s1", "bob@example.com", "accountant")],
		"links": [f.link("u1", "s1")],
		"want": {"u1"},
	},
	{
		"name": "two links for one user are unidentified",
		"users": [f.user("u1", "alice@example.com", "STANDARD")],
		"staff": [f.active("s1", "alice@example.com", "accountant"), f.active("s2", "bob@example.com", "accountant")],
		"links": [f.link("u1", "s1"), f.link("u1", "s2")],
		"want": {"u1"},
	},
	{
		"name": "non-human link with a justification is identified",
		"users": [f.user("u1", "robot@example.com", "STANDARD")],
		"staff": [],
		"links": [f.non_human("u1", "Payroll integration service account")],
		"want": set(),
	},
	{
		"name": "non-human link with a blank justification is unidentified",
		"users": [f.user("u1", "robot@example.com", "STANDARD")],
		"staff": [],
		"links": [f.non_human("u1", "  ")],
		"want": {"u1"},
	},
	{
		"name": "an email shared by two staff members is ambiguous",
		"users": [f.user("u1", "shared@example.com", "STANDARD")],
		"staff": [f.active("s1", "shared@example.com", "accountant"), f.active("s2", "SHARED@example.com", "accountant")],
		"links": [],
		"want": {"u1"},
	},
	{
		"name": "a blank email matches nobody, not even a staff member with a blank email",
		"users": [f.user("u1", "", "STANDARD"), f.user("u2", " ", "STANDARD")],
		"staff": [f.active("s1", "", "accountant"), f.active("s2", " ", "accountant"), f.active("s3", "", "cfo")],
		"links": [],
		"want": {"u1", "u2"},
	},
	{
		"name": "offboarded staff still identify the user (check 2 reports them)",
		"users": [f.user("u1", "alice@example.com", "STANDARD")],
		"staff": [f.offboarded("s1", "alice@example.com", "accountant", "2020-01-01T00:00:00Z")],
		"links": [],
		"want": set(),
	},
]

# On failure, `opa test --var-values` (as `xero-policies test` runs it) shows each failed case.
test_cases if {
	failed := {c.name: reported |
		some c in cases
		reported := {finding.subject.id | some finding in check.findings} with input as f.doc(c.users, c.staff, c.links)
		reported != c.want
	}
	failed == {}
}

# The reason each case above is reported, by case index.
reasons := {
	1: "has no account link and no staff member has this email",
	4: "is linked to staff id s-gone, which is not in the staff directory",
	5: "is linked to staff id s1, which is not unique in the staff directory",
	6: "has 2 account links; keep exactly one",
	8: "is linked as non-human without a justification",
	9: "has an email shared by 2 staff members; link the account explicitly",
}

test_messages_say_why if {
	wrong := {i: messages |
		some i, reason in reasons
		c := cases[i]
		messages := {finding.message | some finding in check.findings} with input as f.doc(c.users, c.staff, c.links)
		messages != {concat("", ["Xero user ", c.users[0].email, " ", reason, "."])}
	}
	wrong == {}
}

test_finding_shape if {
	some finding in check.findings with input as f.doc(cases[1].users, cases[1].staff, cases[1].links)
	finding.severity == "medium"
	finding.subject == {"kind": "user", "id": "u1"}
	finding.remediation != ""
}
