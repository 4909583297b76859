package xeroaccess.lib.timestamp_test

import data.xeroaccess.lib.timestamp

# Every case is checked against OPA's own time.parse_rfc3339_ns, which the WASM target lacks.
valid := [
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
		some ts in valid
		ns := time.parse_rfc3339_ns(ts)
		timestamp.parse(ts) != [floor(ns / 1000000000), ns % 1000000000]
	}
	mismatched == set()
}

# [name, from, to, limit in seconds, want]
elapsed_cases := [
	["a day and a second is more than a day", "2026-11-20T23:59:59Z", "2026-11-22T00:00:00Z", 86400, true],
	["exactly a day is not more than a day", "2026-11-21T00:00:00Z", "2026-11-22T00:00:00Z", 86400, false],
	["a day and a nanosecond is more", "2026-11-21T00:00:00Z", "2026-11-22T00:00:00.000000001Z", 86400, true],
	["a nanosecond short of a day is not more", "2026-11-21T00:00:00.000000001Z", "2026-11-22T00:00:00Z", 86400, false],
	["offsets are honoured", "2026-11-21T01:00:00+02:00", "2026-11-22T00:00:00Z", 86400, true],
	["a later start is never more", "2026-11-23T00:00:00Z", "2026-11-22T00:00:00Z", 0, false],
]

test_more_than_seconds_apart_table if {
	failed := {name |
		some [name, from, to, limit, want] in elapsed_cases
		_apart(from, to, limit) != want
	}
	failed == set()
}

_apart(from, to, limit) if {
	timestamp.more_than_seconds_apart(timestamp.parse(from), timestamp.parse(to), limit)
} else := false

# Each case is formatted and compared with OPA's own time.format (RFC3339Nano in UTC). Whole
# objects are compared, so a case that format leaves undefined fails too.
test_format_agrees_with_opa if {
	formatted := {ts: timestamp.format(timestamp.parse(ts)) | some ts in valid}
	formatted == {ts: time.format(time.parse_rfc3339_ns(ts)) | some ts in valid}
}

# [value, want]
validity_cases := [
	["2026-11-22T00:00:00Z", true],
	["2026-11-22T00:00:00.123456789+05:30", true],
	["2026-11-22T00:00:00.1234567890Z", false],
	["2026-11-22 00:00:00Z", false],
	["2026-11-22T00:00:00z", false],
	["2026-11-22", false],
	["2026-11-22T00:00:00.Z", false],
	["2026-11-22T00:00:00+0530", false],
	["2026-11-22T00:00:00+05:3x", false],
	["2026-11-22T00:00:0aZ", false],
	["2026-1x-22T00:00:00Z", false],
	["2026-11-22T00:00:00-08:00", true],
	["2026-11-22T00:00:00.5Z", true],
	["2026-11-22T00:00:00ZZ", false],
	["next tuesday", false],
	[1795305600, false],
	[null, false],
]

test_valid_table if {
	failed := {[value, want] |
		some [value, want] in validity_cases
		_valid(value) != want
	}
	failed == set()
}

_valid(value) if timestamp.valid(value)

else := false
