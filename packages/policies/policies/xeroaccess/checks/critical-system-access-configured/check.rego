# METADATA
# title: Critical systems declare who may have access
# description: |
#   A connection with criticalSystem true whose accessControl.roleMappings is missing or
#   empty. One finding for the connection.
package xeroaccess.checks["critical-system-access-configured"]

findings contains finding if {
	input.connection.criticalSystem == true
	count(object.get(input.connection, ["accessControl", "roleMappings"], [])) == 0
	connection_id := concat("/", [input.connection.namespace, input.connection.name])
	finding := {
		"severity": "medium",
		"subject": {"kind": "connection", "id": connection_id},
		"message": concat("", [
			"XeroConnection ", connection_id, " is a critical system but declares no access control ",
			"role mappings, so access cannot be validated.",
		]),
		"remediation": remediation,
	}
}

remediation := concat(" ", [
	"Add spec.accessControl.roleMappings to the XeroConnection:",
	"which organisation roles may hold access, and with which Xero roles.",
])
