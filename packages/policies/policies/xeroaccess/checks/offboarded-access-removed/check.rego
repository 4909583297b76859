# METADATA
# title: Offboarded staff have no Xero access
# description: |
#   A Xero user (role not REMOVED) tied to a staff member whose status is offboarded,
#   once more than settings.offboardingGraceHours (default 24) have passed since
#   offboardedAt. An offboarded member without an offboardedAt date is reported at once:
#   the grace period cannot be shown to be still running. One finding per such user.
#   reevaluate_at: the grace periods still running end then.
package xeroaccess.checks["offboarded-access-removed"]

import data.xeroaccess.lib.identity
import data.xeroaccess.lib.timestamp

grace_hours := object.get(input, ["settings", "offboardingGraceHours"], 24)

# Live users tied to an offboarded member, as [user, member, offboardedAt, offboardedAt parsed]
# (both null when it is missing): the users both findings and reevaluate_at are about, with
# offboardedAt parsed once for both.
offboarded_access := [[user, member, offboarded_at, _parsed(offboarded_at)] |
	some [user, resolved] in identity.resolved_live_users
	resolved.kind == "staff"
	member := resolved.member
	member.status == "offboarded"
	offboarded_at := object.get(member, "offboardedAt", null)
]

findings contains finding if {
	some [user, member, offboarded_at, offboarded] in offboarded_access
	_grace_over(offboarded)
	finding := {
		"severity": "high",
		"subject": {"kind": "user", "id": user.userId},
		"message": _message(user, member, offboarded_at),
		"remediation": remediation,
	}
}

# METADATA
# description: |
#   The end (offboardedAt + grace_hours, in UTC) of each grace period still running at
#   input.now, an end exactly at now included: once it has passed, access still held is a
#   finding, with nothing else in the input changing.
reevaluate_at contains timestamp.format([offboarded[0] + (grace_hours * 3600), offboarded[1]]) if {
	some [_, _, _, offboarded] in offboarded_access
	offboarded != null
	not _grace_over(offboarded)
}

remediation := concat(" ", [
	"Remove the user in Xero (set the role to Removed),",
	"or correct the staff member's status if they have not left.",
])

_parsed(null) := null

_parsed(offboarded_at) := timestamp.parse(offboarded_at) if offboarded_at != null

# _grace_over(offboarded) is true for an offboardedAt (parsed, or null when missing) more than
# grace_hours before input.now.
_grace_over(null)

_grace_over(offboarded) if {
	offboarded != null
	timestamp.more_than_seconds_apart(offboarded, timestamp.now, grace_hours * 3600)
}

_message(user, member, null) := concat("", [
	"Xero user ", user.email, " belongs to ", member.name,
	", who is offboarded with no offboarding date, and still has ", user.organisationRole, " access.",
])

_message(user, member, offboarded_at) := concat("", [
	"Xero user ", user.email, " belongs to ", member.name, ", offboarded at ", offboarded_at,
	", and still has ", user.organisationRole, " access after the ", format_int(grace_hours, 10), "-hour grace period.",
]) if {
	offboarded_at != null
}
