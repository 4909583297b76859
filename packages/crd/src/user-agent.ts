import { KubeConfig, type RequestContext } from '@kubernetes/client-node';

type HttpsOptions = Parameters<KubeConfig['applyToHTTPSOptions']>[0];

/**
 * A KubeConfig whose every request to the API server carries `userAgent` (`<app>/<version>`):
 * those of the API clients made from it (`makeApiClient`, `makeApiClientWithTimeout`) and of
 * everything that takes the KubeConfig itself (`Watch`, `Log`, `Exec` …). Load it as a KubeConfig.
 *
 * Without it client-node sends node-fetch's default (`node-fetch/1.0 …`), and the API server names
 * the field manager of a write without `fieldManager` after the User-Agent up to its first `/`: in
 * `metadata.managedFields` (and so in server-side apply conflicts) and in audit logs, every write of
 * both apps would be `node-fetch`'s.
 */
export class UserAgentKubeConfig extends KubeConfig {
  constructor(readonly userAgent: string) {
    super();
  }

  /** What the generated API clients call on each request (the KubeConfig is their auth method). */
  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    await super.applySecurityAuthentication(context);
    context.setHeaderParam('User-Agent', this.userAgent);
  }

  /** What `Watch`, `Log`, `Exec` and `applyToFetchOptions` build their requests from. */
  override async applyToHTTPSOptions(options: HttpsOptions): Promise<void> {
    await super.applyToHTTPSOptions(options);
    // client-node reads these headers as an object (Object.entries), never in the array form.
    options.headers = {
      ...(options.headers as Record<string, string>),
      'User-Agent': this.userAgent,
    };
  }
}
