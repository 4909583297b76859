/** The few admin API calls the stack and the end-to-end suite make, over real HTTP. */
export class AdminClient {
  constructor(
    readonly baseUrl: string,
    private readonly token: string,
  ) {}

  async request<T>(
    method: string,
    path: string,
    body?: unknown,
    contentType = 'application/json',
  ): Promise<T> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.token}`,
        ...(body === undefined ? {} : { 'content-type': contentType }),
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok)
      throw new Error(`${method} ${path}: ${response.status} ${text.slice(0, 500)}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  importStaffCsv(csv: string) {
    return this.request<{ created: number; updated: number }>(
      'POST',
      '/staff/import',
      csv,
      'text/csv',
    );
  }

  putLink(userId: string, link: { staffId: string } | { nonHuman: true; justification: string }) {
    return this.request('PUT', `/links/${userId}`, link);
  }
}
