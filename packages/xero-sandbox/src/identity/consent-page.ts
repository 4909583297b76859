const escapeHtml = (text: string): string =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

export interface ConsentPageInput {
  appName: string;
  userEmail: string;
  scopes: string[];
  tenants: { tenantId: string; name: string }[];
  /** The authorize request's parameters, posted back unchanged. */
  params: Record<string, string>;
  action: string;
}

/** A minimal consent page: choose organisations, then Allow access or Cancel. */
export function consentPage(input: ConsentPageInput): string {
  const hidden = Object.entries(input.params)
    .map(
      ([name, value]) =>
        `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`,
    )
    .join('\n      ');
  const tenants = input.tenants
    .map(
      (t, i) =>
        `<label><input type="checkbox" name="tenant" value="${escapeHtml(t.tenantId)}"${i === 0 ? ' checked' : ''}> ${escapeHtml(t.name)}</label><br>`,
    )
    .join('\n      ');
  const scopes = input.scopes.map((s) => `<li>${escapeHtml(s)}</li>`).join('');
  return `<!doctype html>
<html lang="en">
  <head><meta charset="utf-8"><title>Xero sandbox: allow access</title></head>
  <body>
    <h1>${escapeHtml(input.appName)} wants access to your Xero organisations</h1>
    <p>Signed in as ${escapeHtml(input.userEmail)}. Requested permissions:</p>
    <ul>${scopes}</ul>
    <form method="post" action="${escapeHtml(input.action)}">
      ${hidden}
      ${tenants}
      <button type="submit" name="decision" value="allow">Allow access</button>
      <button type="submit" name="decision" value="deny">Cancel</button>
    </form>
  </body>
</html>`;
}

export const errorPage = (message: string): string =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Xero sandbox: error</title></head><body><h1>Sorry, something went wrong</h1><p>${escapeHtml(message)}</p></body></html>`;
