import {
  Observable,
  ServerConfiguration,
  createConfiguration,
  type ApiConstructor,
  type ApiType,
  type ConfigurationOptions,
  type KubeConfig,
  type ObservableMiddleware,
  type RequestContext,
  type ResponseContext,
} from '@kubernetes/client-node';

/**
 * Sets the signal `next()` gives on each request, next to one it already carries (the request
 * aborts on whichever aborts first).
 */
function signalMiddleware(next: () => AbortSignal): ObservableMiddleware {
  return {
    pre: (request: RequestContext) => {
      const signal = next();
      const earlier = request.getSignal();
      request.setSignal(earlier ? AbortSignal.any([earlier, signal]) : signal);
      return new Observable(Promise.resolve(request));
    },
    post: (response: ResponseContext) => new Observable(Promise.resolve(response)),
  };
}

/**
 * Per-call options that abort the request when `signal` aborts. The generated API clients have
 * no timeout of their own: without a signal, a call on a dead connection waits forever.
 * `base` keeps options already chosen (e.g. a Content-Type from `setHeaderOptions`).
 */
export function abortOptions(
  signal: AbortSignal,
  base?: ConfigurationOptions,
): ConfigurationOptions {
  return {
    ...base,
    middleware: [...(base?.middleware ?? []), signalMiddleware(() => signal)],
    middlewareMergeStrategy: 'append',
  };
}

/**
 * An API client of `kc`'s current cluster, as `kc.makeApiClient` makes it, whose every request
 * is aborted (an AbortError, no HTTP status) when it has no answer within `timeoutMs`, each
 * request timed on its own. Per-call options add to it with `abortOptions` or `setHeaderOptions`
 * (they append); options that replace the middleware drop the timeout.
 */
export function makeApiClientWithTimeout<T extends ApiType>(
  kc: KubeConfig,
  api: ApiConstructor<T>,
  timeoutMs: number,
): T {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('the Kubernetes configuration has no current cluster');
  return new api(
    createConfiguration({
      baseServer: new ServerConfiguration(cluster.server, {}),
      authMethods: { default: kc },
      middleware: [signalMiddleware(() => AbortSignal.timeout(timeoutMs))],
    }),
  );
}
