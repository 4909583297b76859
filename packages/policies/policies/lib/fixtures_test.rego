# Builders shared by the check tests: small, explicit documents instead of one big fixture.
package xeroaccess_test.fixtures

now := "2026-11-22T00:00:00Z"

user(id, email, role) := {
	"userId": id,
	"email": email,
	"firstName": "Test",
	"lastName": id,
	"organisationRole": role,
	"isSubscriber": false,
	"updatedDateUtc": "2026-01-01T00:00:00Z",
}

active(id, email, org_role) := {
	"id": id,
	"email": email,
	"name": id,
	"orgRole": org_role,
	"status": "active",
	"offboardedAt": null,
}

offboarded(id, email, org_role, at) := object.union(active(id, email, org_role), {"status": "offboarded", "offboardedAt": at})

link(user_id, staff_id) := {"userId": user_id, "staffId": staff_id}

non_human(user_id, justification) := {"userId": user_id, "nonHuman": true, "justification": justification}

connection(critical, mappings) := {
	"namespace": "finance",
	"name": "acme",
	"criticalSystem": critical,
	"accessControl": {"roleMappings": mappings},
}

doc(users, staff, links) := {
	"now": now,
	"connection": connection(true, [{"orgRole": "accountant", "xeroRoles": ["STANDARD"]}]),
	"tenant": {"tenantId": "tenant-1", "tenantName": "Acme Ltd"},
	"users": users,
	"staff": staff,
	"accountLinks": links,
	"settings": {"offboardingGraceHours": 24},
}
