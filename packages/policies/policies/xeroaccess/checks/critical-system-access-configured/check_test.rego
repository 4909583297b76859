package xeroaccess.checks["critical-system-access-configured_test"]

import data.xeroaccess.checks["critical-system-access-configured"] as check
import data.xeroaccess.fixtures_test as f

mapping := {"orgRole": "accountant", "xeroRoles": ["STANDARD"]}

cases := [
	{"name": "critical with mappings is fine", "connection": f.connection(true, [mapping]), "want": set()},
	{"name": "critical with empty mappings is reported", "connection": f.connection(true, []), "want": {"finance/acme"}},
	{
		"name": "critical without roleMappings is reported",
		"connection": {"namespace": "finance", "name": "acme", "criticalSystem": true, "accessControl": {}},
		"want": {"finance/acme"},
	},
	{
		"name": "critical without accessControl is reported",
		"connection": {"namespace": "finance", "name": "acme", "criticalSystem": true},
		"want": {"finance/acme"},
	},
	{"name": "not critical needs no mappings", "connection": f.connection(false, []), "want": set()},
]

# On failure, `opa test --var-values` (as `xero-policies test` runs it) shows each failed case.
test_cases if {
	failed := {c.name: reported |
		some c in cases
		reported := {finding.subject.id | some finding in check.findings} with input as _with_connection(c.connection)
		reported != c.want
	}
	failed == {}
}

test_finding_shape if {
	some finding in check.findings with input as _with_connection(f.connection(true, []))
	finding.subject == {"kind": "connection", "id": "finance/acme"}
	finding.severity == "medium"
	finding.message == concat("", [
		"XeroConnection finance/acme is a critical system but declares no access control role mappings, ",
		"so access cannot be validated.",
	])
}

_with_connection(connection) := f.with_connection(f.doc([], [], []), connection)
