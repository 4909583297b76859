# METADATA
# title: Every Xero user is identified
# description: |
#   Every Xero user whose role is not REMOVED is tied to a person in the staff directory
#   (explicit account link, else case-insensitive email), or is explicitly linked as
#   non-human with a justification. One finding per unidentified user.
package xeroaccess.checks["user-identified"]

import data.xeroaccess.lib.identity

findings contains finding if {
	some [user, resolved] in identity.resolved_live_users
	resolved.kind == "unidentified"
	finding := {
		"severity": "medium",
		"subject": {"kind": "user", "id": user.userId},
		"message": concat("", ["Xero user ", user.email, " ", resolved.reason, "."]),
		"remediation": remediation,
	}
}

remediation := concat(" ", [
	"Link the Xero user to its owner in the staff directory (or add that person),",
	"link it as non-human with a justification, or remove the user in Xero.",
])
