# METADATA
# title: Who is behind each Xero user
# description: |
#   Indexes the staff directory and account links by user id, staff id and lowercased
#   email (objects of arrays, so every lookup is a key access, never a scan) and resolves
#   each Xero user to a staff member, a justified non-human account, or nobody.
#   Messages use concat, not sprintf: in WASM, sprintf is a call out to JavaScript.
package xeroaccess.lib.identity

# Xero users that still have access: role is not REMOVED. An array, not a set: sets hash
# every user object, which costs more than it saves (findings are sets and deduplicate).
live_users := [user | some user in input.users; user.organisationRole != "REMOVED"]

# Every live user with its resolution, computed once for all checks: [[user, resolve(user)]].
resolved_live_users := [[user, resolve(user)] |
	some user in input.users
	user.organisationRole != "REMOVED"
]

# Indexes: objects of arrays keyed by user id, staff id and lowercased email, so every lookup
# is a key access. When the keys are unique (the normal case) they are built with one object
# comprehension; only when some key repeats are they grouped with a multi-value rule, which
# both engines build more slowly (OPA's interpreter in O(n²)). Both ways give the same result.
links_by_user_id := {link.userId: [link] | some link in input.accountLinks} if {
	_unique({link.userId: true | some link in input.accountLinks}, input.accountLinks)
} else := {user_id: [link | some link in links] | some user_id, links in _grouped_links}

# Only the staff members that account links name: links are few, the directory is large, and
# an index's cost in WASM grows faster than its size (cache misses), so the whole directory is
# not indexed by id. A staff id no link names is absent, as is one no staff member has.
linked_staff_by_id := {member.id: [member] | some member in _linked_staff} if {
	_unique({member.id: true | some member in _linked_staff}, _linked_staff)
} else := {staff_id: [m | some m in members] | some staff_id, members in _grouped_linked_staff}

# The staff id a human link resolves through (as _from_link reads it). A comprehension, not
# an object rule: OPA's interpreter evaluates each lookup into an object rule by scanning the
# links again (16x slower for 10,000 staff, and 100,000 did not finish).
# regal ignore:prefer-set-or-object-rule
_linked_staff_ids := {object.get(link, "staffId", ""): true | some link in input.accountLinks}

_linked_staff := [member | some member in input.staff; _linked_staff_ids[member.id]]

# A blank email identifies nobody, so blank emails are not indexed.
staff_by_email := {lower(member.email): [member] | some member in _staff_with_email} if {
	_unique({lower(member.email): true | some member in _staff_with_email}, _staff_with_email)
} else := {email: [m | some m in members] | some email, members in _grouped_staff_by_email}

_staff_with_email := [member | some member in input.staff; trim_space(member.email) != ""]

# keys: an object keyed by each item's key (cheaper to build than a set in WASM).
_unique(keys, items) if count(keys) == count(items)

_grouped_links[link.userId] contains link if some link in input.accountLinks

_grouped_linked_staff[member.id] contains member if some member in _linked_staff

_grouped_staff_by_email[email] contains member if {
	some member in _staff_with_email
	email := lower(member.email)
}

# resolve(user) is one of
#   {"kind": "staff", "member": <staff member>}
#   {"kind": "non-human", "justification": <text>}
#   {"kind": "unidentified", "reason": <why, for the finding message>}
# An explicit account link wins over the email match, even when the link is broken:
# a stale link must be fixed, not silently bypassed.
resolve(user) := _from_links(links) if {
	links := links_by_user_id[user.userId]
} else := _from_email_matches(members) if {
	members := staff_by_email[lower(user.email)]
} else := _unidentified("has no account link and no staff member has this email")

_from_email_matches([member]) := {"kind": "staff", "member": member}

_from_email_matches(members) := _unidentified(reason) if {
	count(members) > 1
	shared_by := format_int(count(members), 10)
	reason := concat("", ["has an email shared by ", shared_by, " staff members; link the account explicitly"])
}

_from_links(links) := _unidentified(reason) if {
	count(links) > 1
	reason := concat("", ["has ", format_int(count(links), 10), " account links; keep exactly one"])
}

_from_links(links) := _from_link(link) if {
	count(links) == 1
	some link in links
}

_from_link(link) := {"kind": "non-human", "justification": link.justification} if {
	link.nonHuman == true
	trim_space(object.get(link, "justification", "")) != ""
}

_from_link(link) := _unidentified("is linked as non-human without a justification") if {
	link.nonHuman == true
	trim_space(object.get(link, "justification", "")) == ""
}

_from_link(link) := _from_staff_id(object.get(link, "staffId", "")) if {
	object.get(link, "nonHuman", false) != true
}

_from_staff_id(staff_id) := {"kind": "staff", "member": member} if {
	members := linked_staff_by_id[staff_id]
	count(members) == 1
	some member in members
}

_from_staff_id(staff_id) := _unidentified(reason) if {
	count(linked_staff_by_id[staff_id]) > 1
	reason := concat("", ["is linked to staff id ", staff_id, ", which is not unique in the staff directory"])
}

_from_staff_id(staff_id) := _unidentified(reason) if {
	not linked_staff_by_id[staff_id]
	reason := concat("", ["is linked to staff id ", staff_id, ", which is not in the staff directory"])
}

_unidentified(reason) := {"kind": "unidentified", "reason": reason}
