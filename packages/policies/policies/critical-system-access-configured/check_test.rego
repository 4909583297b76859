package xeroaccess_test.checks.critical_system_access_configured

import data.xeroaccess.checks["critical-system-access-configured"] as check
import data.xeroaccess_test.fixtures as f

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

_reported(c) := {finding.subject.id | some finding in check.findings with input as _with_connection(c.connection)}

test_cases if {
	failed := {c.name: _reported(c) | some c in cases; _reported(c) != c.want}
	print("failed cases (name: reported connections):", failed)
	count(failed) == 0
}

test_finding_shape if {
	some finding in check.findings with input as _with_connection(f.connection(true, []))
	finding.subject == {"kind": "connection", "id": "finance/acme"}
	finding.severity == "medium"
	finding.message == "XeroConnection finance/acme is a critical system but declares no access control role mappings, so access cannot be validated."
}

# object.union merges nested objects, so the fixture connection is removed first.
_with_connection(connection) := object.union(object.remove(f.doc([], [], []), ["connection"]), {"connection": connection})
