# METADATA
# title: "Example custom check: at most N financial advisers"
# description: |
#   Adviser access is powerful and rarely needed by many people. This check reports the
#   connection when more than max_advisers live Xero users hold the FINANCIALADVISER role.
#   It is an example of a platform team's own check: include this folder in the build
#   (`xero-policies build --include examples/xeroaccess/checks/adviser-limit`) and its findings appear in
#   the output under the check id "adviser-limit", with no TypeScript change.
package xeroaccess.checks["adviser-limit"]

import data.xeroaccess.lib.identity

# Edit to suit the organisation.
max_advisers := 2

advisers contains user.userId if {
	some user in identity.live_users
	user.organisationRole == "FINANCIALADVISER"
}

findings contains finding if {
	count(advisers) > max_advisers
	connection_id := concat("/", [input.connection.namespace, input.connection.name])
	finding := {
		"severity": "low",
		"subject": {"kind": "connection", "id": connection_id},
		"message": concat("", [
			"XeroConnection ", connection_id, " has ", format_int(count(advisers), 10),
			" users with the FINANCIALADVISER role; at most ", format_int(max_advisers, 10), " are expected.",
		]),
		"remediation": remediation,
	}
}

remediation := concat(" ", [
	"Lower the role of advisers who no longer need it,",
	"or raise max_advisers in the adviser-limit check if more are justified.",
])
