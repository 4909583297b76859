# METADATA
# title: Xero access checks entrypoint
# description: |
#   Collects the findings of every check under data.xeroaccess.checks and returns the
#   output document. A check is any package directly under xeroaccess.checks whose
#   `findings` set holds finding objects; the package key is the check id, so adding a
#   check is adding Rego: no TypeScript change. A check may also define `reevaluate_at`, a set
#   of RFC 3339 timestamps after which its findings may change for the same input.
package xeroaccess

import data.xeroaccess.lib.timestamp

# METADATA
# description: |
#   Every check's findings, each with its check id. Unordered: OPA's WASM `sort` is quadratic
#   unless its input is nearly sorted (10,000 findings: over a second), so the TypeScript
#   evaluator evaluates `evaluation` below, which holds it (or, in bundles built before that,
#   this entrypoint, `xeroaccess/unsorted_findings`), and sorts the same way `findings` does;
#   its equivalence test compares them.
# entrypoint: true
unsorted_findings := [object.union(finding, {"check": check}) |
	# Only the `findings` rule of each package: test packages sit beside the checks.
	some check
	check_findings := data.xeroaccess.checks[check].findings
	some finding in check_findings
]

# Sort keys: arrays compare element by element, so sorting [check, subject id, finding]
# orders findings by check, then subject id (then the whole finding, for a total order).
findings := [entry[2] | some entry in sort([[f.check, f.subject.id, f] | some f in unsorted_findings])]

# METADATA
# description: The output document (the WASM entrypoint `xeroaccess/result`).
# entrypoint: true
result := {"findings": findings}

# The earliest of every check's reevaluate_at that is not before input.now (an earlier one
# changes nothing any more), as the check wrote it; null when there is none. Evaluating the
# same input again just after it may report other findings.
default reevaluate_at := null

reevaluate_at := min(_reevaluate_times)[1] if count(_reevaluate_times) > 0

# [[seconds, nanoseconds], timestamp] of every valid reevaluate_at not before input.now.
_reevaluate_times := [[parsed, ts] |
	some check
	times := data.xeroaccess.checks[check].reevaluate_at
	some ts in times
	timestamp.valid(ts)
	parsed := timestamp.parse(ts)
	parsed >= timestamp.now
]

# {check id: [entries]} of the checks whose reevaluate_at holds entries that are not RFC 3339
# timestamps, or is no set at all ([the whole value]).
invalid_reevaluate_at[check] := invalid if {
	some check
	invalid := _not_timestamps(data.xeroaccess.checks[check].reevaluate_at)
	count(invalid) > 0
}

_not_timestamps(times) := [ts | some ts in times; not timestamp.valid(ts)] if _collection(times)

_not_timestamps(times) := [times] if not _collection(times)

_collection(times) if is_set(times)

_collection(times) if is_array(times)

# METADATA
# description: |
#   What the TypeScript evaluator reads (the WASM entrypoint `xeroaccess/evaluation`): the
#   unsorted findings and reevaluate_at from one evaluation, since copying the input into WASM
#   costs about as much as the checks. When a check's reevaluate_at is not a set of timestamps,
#   invalid_reevaluate_at is added, so the evaluator can name the check.
# entrypoint: true
evaluation := {"findings": unsorted_findings, "reevaluate_at": reevaluate_at} if {
	count(invalid_reevaluate_at) == 0
} else := {
	"findings": unsorted_findings,
	"reevaluate_at": null,
	"invalid_reevaluate_at": invalid_reevaluate_at,
}
