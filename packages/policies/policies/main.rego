# METADATA
# title: Xero access checks entrypoint
# description: |
#   Collects the findings of every check under data.xeroaccess.checks and returns the
#   output document. A check is any package directly under xeroaccess.checks whose
#   `findings` set holds finding objects; the package key is the check id, so adding a
#   check is adding Rego: no TypeScript change.
package xeroaccess

# Sort keys: arrays compare element by element, so sorting [check, subject id, finding]
# orders findings by check, then subject id (then the whole finding, for a total order).
_sortable contains [check, finding.subject.id, finding] if {
	some check
	some contributed in data.xeroaccess.checks[check].findings
	finding := object.union(contributed, {"check": check})
}

findings := [entry[2] | some entry in sort(_sortable)]

# The output document (the WASM entrypoint `xeroaccess/result`).
result := {"findings": findings}
