package xeroaccess_test.lib.timestamp

import data.xeroaccess.lib.timestamp

# Every case is checked against OPA's own time.parse_rfc3339_ns, which the WASM target lacks.
timestamps := [
	"1970-01-01T00:00:00Z",
	"2026-11-22T00:00:00Z",
	"2024-02-29T23:59:59Z",
	"2000-03-01T00:00:00Z",
	"1900-01-01T12:00:00Z",
	"2026-01-31T08:09:07.5Z",
	"2026-01-31T08:09:07.000000001Z",
	"2026-01-31T08:09:07.123456789+05:30",
	"2026-12-31T23:30:00-08:00",
	"2026-06-01T00:00:00+00:00",
]

test_parse_agrees_with_opa if {
	mismatched := {ts |
		some ts in timestamps
		ns := time.parse_rfc3339_ns(ts)
		timestamp.parse(ts) != [floor(ns / 1000000000), ns % 1000000000]
	}
	print("timestamps parsed differently from time.parse_rfc3339_ns:", mismatched)
	count(mismatched) == 0
}

elapsed_cases := [
	{"name": "a day and a second is more than a day", "from": "2026-11-20T23:59:59Z", "to": "2026-11-22T00:00:00Z", "limit": 86400, "want": true},
	{"name": "exactly a day is not more than a day", "from": "2026-11-21T00:00:00Z", "to": "2026-11-22T00:00:00Z", "limit": 86400, "want": false},
	{"name": "a day and a nanosecond is more than a day", "from": "2026-11-21T00:00:00Z", "to": "2026-11-22T00:00:00.000000001Z", "limit": 86400, "want": true},
	{"name": "a nanosecond short of a day is not more", "from": "2026-11-21T00:00:00.000000001Z", "to": "2026-11-22T00:00:00Z", "limit": 86400, "want": false},
	{"name": "offsets are honoured", "from": "2026-11-21T01:00:00+02:00", "to": "2026-11-22T00:00:00Z", "limit": 86400, "want": true},
	{"name": "a later start is never more", "from": "2026-11-23T00:00:00Z", "to": "2026-11-22T00:00:00Z", "limit": 0, "want": false},
]

test_more_than_seconds_apart_table if {
	failed := {c.name |
		some c in elapsed_cases
		_apart(c) != c.want
	}
	print("failed cases:", failed)
	count(failed) == 0
}

_apart(c) if {
	timestamp.more_than_seconds_apart(timestamp.parse(c.from), timestamp.parse(c.to), c.limit)
} else := false
