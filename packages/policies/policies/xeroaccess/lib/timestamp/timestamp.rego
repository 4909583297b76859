# METADATA
# title: RFC 3339 timestamps without time builtins
# description: |
#   The WASM target has no native time.parse_rfc3339_ns or time.format, so timestamps are
#   parsed and formatted here with string builtins only. The input schema restricts
#   timestamps to YYYY-MM-DDTHH:MM:SS[.fraction](Z|+hh:mm|-hh:mm).
package xeroaccess.lib.timestamp

# now is input.now, parsed once per evaluation, not once per use.
now := parse(input.now)

# parse(ts) is [seconds since the Unix epoch, nanoseconds within that second].
parse(ts) := [seconds, nanos] if {
	year := _int(substring(ts, 0, 4))
	month := _int(substring(ts, 5, 2))
	day := _int(substring(ts, 8, 2))
	hours := (_days_from_civil(year, month, day) * 24) + _int(substring(ts, 11, 2))
	local := ((hours * 60) + _int(substring(ts, 14, 2))) * 60
	[nanos, zone] := _fraction_and_zone(substring(ts, 19, -1))
	seconds := (local + _int(substring(ts, 17, 2))) - _offset_seconds(zone)
}

# more_than_seconds_apart(earlier, later, limit) is true when strictly more than `limit`
# whole seconds passed from `earlier` to `later` (both parsed with `parse`).
# Nanoseconds are compared separately so no number ever exceeds float64's exact range.
more_than_seconds_apart(earlier, later, limit) if later[0] - earlier[0] > limit

more_than_seconds_apart(earlier, later, limit) if {
	later[0] - earlier[0] == limit
	later[1] > earlier[1]
}

# valid(ts) is true for a string in the input schema's timestamp format, which parse reads:
# YYYY-MM-DDTHH:MM:SS[.1 to 9 digits](Z|+hh:mm|-hh:mm). String builtins only: regex.match
# would add OPA's regex engine to policy.wasm and double its size.
valid(ts) if {
	is_string(ts)
	count(ts) >= 20
	_digits(substring(ts, 0, 4))
	substring(ts, 4, 1) == "-"
	_digits(substring(ts, 5, 2))
	substring(ts, 7, 1) == "-"
	_digits(substring(ts, 8, 2))
	substring(ts, 10, 1) == "T"
	_digits(substring(ts, 11, 2))
	substring(ts, 13, 1) == ":"
	_digits(substring(ts, 14, 2))
	substring(ts, 16, 1) == ":"
	_digits(substring(ts, 17, 2))
	_valid_fraction_and_zone(substring(ts, 19, -1))
}

_digits(text) if {
	count(text) > 0
	trim_left(text, "0123456789") == ""
}

_valid_fraction_and_zone(rest) if _valid_zone(rest)

_valid_fraction_and_zone(rest) if {
	startswith(rest, ".")
	zone := trim_left(substring(rest, 1, -1), "0123456789")
	digits := (count(rest) - 1) - count(zone)
	digits >= 1
	digits <= 9
	_valid_zone(zone)
}

_valid_zone("Z")

_valid_zone(zone) if {
	count(zone) == 6
	substring(zone, 0, 1) in {"+", "-"}
	_digits(substring(zone, 1, 2))
	substring(zone, 3, 1) == ":"
	_digits(substring(zone, 4, 2))
}

# format(parsed) is the RFC 3339 timestamp in UTC of [seconds, nanoseconds] as `parse` gives
# them, with the fraction's trailing zeros dropped (as Go's RFC3339Nano and time.format do).
format([seconds, nanos]) := concat("", [
	_pad(year, 4), "-", _pad(month, 2), "-", _pad(day, 2), "T",
	_pad(floor(second_of_day / 3600), 2), ":", _pad(floor((second_of_day % 3600) / 60), 2), ":",
	_pad(second_of_day % 60, 2), _fraction(nanos), "Z",
]) if {
	days := floor(seconds / 86400)
	second_of_day := seconds - (days * 86400)
	[year, month, day] := _civil_from_days(days)
}

_pad(n, width) := concat("", [substring("000000000", 0, width - count(digits)), digits]) if {
	digits := format_int(n, 10)
}

_fraction(0) := ""

_fraction(nanos) := concat("", [".", trim_right(_pad(nanos, 9), "0")]) if nanos != 0

# to_number rejects leading zeros ("08"), so they are trimmed first.
_int(digits) := 0 if trim_left(digits, "0") == ""

_int(digits) := to_number(trimmed) if {
	trimmed := trim_left(digits, "0")
	trimmed != ""
}

_fraction_and_zone(rest) := [0, rest] if not startswith(rest, ".")

_fraction_and_zone(rest) := [nanos, substring(rest, zone_at, -1)] if {
	startswith(rest, ".")
	zone_at := _zone_start(rest)
	padded := concat("", [substring(rest, 1, zone_at - 1), "000000000"])
	nanos := _int(substring(padded, 0, 9))
}

_zone_start(rest) := indexof(rest, "Z") if indexof(rest, "Z") >= 0

else := indexof(rest, "+") if indexof(rest, "+") >= 0

else := indexof(rest, "-")

_offset_seconds("Z") := 0

_offset_seconds(zone) := (sign * ((_int(substring(zone, 1, 2)) * 60) + _int(substring(zone, 4, 2)))) * 60 if {
	zone != "Z"
	sign := {"+": 1, "-": -1}[substring(zone, 0, 1)]
}

# Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
_days_from_civil(year, month, day) := ((era * 146097) + day_of_era) - 719468 if {
	shifted_year := year - _january_or_february(month)
	era := floor(shifted_year / 400)
	year_of_era := shifted_year - (era * 400)
	day_of_year := (floor(((153 * ((month + 9) % 12)) + 2) / 5) + day) - 1
	day_of_era := (((year_of_era * 365) + floor(year_of_era / 4)) - floor(year_of_era / 100)) + day_of_year
}

# The proleptic Gregorian [year, month, day] of days since 1970-01-01 (Hinnant's civil_from_days).
_civil_from_days(days) := [year + _january_or_february(month), month, day] if {
	shifted := days + 719468
	era := floor(shifted / 146097)
	day_of_era := shifted - (era * 146097)
	leap_days := (floor(day_of_era / 1460) - floor(day_of_era / 36524)) + floor(day_of_era / 146096)
	year_of_era := floor((day_of_era - leap_days) / 365)
	year := year_of_era + (era * 400)
	day_of_year := day_of_era - (((365 * year_of_era) + floor(year_of_era / 4)) - floor(year_of_era / 100))
	shifted_month := floor(((5 * day_of_year) + 2) / 153)
	day := (day_of_year - floor(((153 * shifted_month) + 2) / 5)) + 1
	month := ((shifted_month + 2) % 12) + 1
}

_january_or_february(month) := 1 if month <= 2

_january_or_february(month) := 0 if month > 2
