# METADATA
# title: Xero access checks entrypoint
# description: |
#   Collects the findings of every check under data.xeroaccess.checks and returns the
#   output document. A check is any package directly under xeroaccess.checks whose
#   `findings` set holds finding objects; the package key is the check id, so adding a
#   check is adding Rego: no TypeScript change.
package xeroaccess

# METADATA
# description: |
#   Every check's findings, each with its check id. Unordered: OPA's WASM `sort` is quadratic
#   unless its input is nearly sorted (10,000 findings: over a second), so the TypeScript
#   evaluator evaluates this entrypoint (`xeroaccess/unsorted_findings`) and sorts the same way
#   `findings` does below; its equivalence test compares the two.
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
