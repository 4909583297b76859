# METADATA
# title: Access to a critical system matches the role mappings
# description: |
#   For a critical system with role mappings, every Xero user (role not REMOVED) tied to
#   an active staff member is valid only if the member's org role has a mapping and, where
#   that mapping lists xeroRoles, the user's Xero role is among them. Unidentified users,
#   non-human links and offboarded members are left to user-identified and
#   offboarded-access-removed.
package xeroaccess.checks["critical-system-access-valid"]

import data.xeroaccess.lib.identity

mappings := object.get(input.connection, ["accessControl", "roleMappings"], [])

mappings_by_org_role[mapping.orgRole] contains mapping if some mapping in mappings

findings contains finding if {
	input.connection.criticalSystem == true
	count(mappings) > 0
	some [user, resolved] in identity.resolved_live_users
	resolved.kind == "staff"
	member := resolved.member
	member.status == "active"

	# Two lookups instead of a function call: this runs for nearly every user.
	not _any_role_allowed[member.orgRole]
	not _allowed_roles[member.orgRole][user.organisationRole]
	finding := {
		"severity": "high",
		"subject": {"kind": "user", "id": user.userId},
		"message": _message(user, member),
		"remediation": remediation,
	}
}

remediation := concat(" ", [
	"Change the user's Xero role to one the mapping allows, remove the user in Xero,",
	"or update spec.accessControl.roleMappings if this access is intended.",
])

# A mapping without xeroRoles allows any Xero role.
_any_role_allowed contains mapping.orgRole if {
	some mapping in mappings
	count(object.get(mapping, "xeroRoles", [])) == 0
}

_allowed_roles[mapping.orgRole] contains role if {
	some mapping in mappings
	some role in mapping.xeroRoles
}

_message(user, member) := concat("", [
	"Xero user ", user.email, " belongs to ", member.name,
	", whose org role ", member.orgRole, " has no access mapping for this system.",
]) if {
	not mappings_by_org_role[member.orgRole]
}

_message(user, member) := concat("", [
	"Xero user ", user.email, " belongs to ", member.name, " (org role ", member.orgRole,
	") and has Xero role ", user.organisationRole, "; the mapping allows only ", concat(", ", sort(allowed)), ".",
]) if {
	mappings_by_org_role[member.orgRole]
	allowed := {role | some mapping in mappings_by_org_role[member.orgRole]; some role in mapping.xeroRoles}
}
