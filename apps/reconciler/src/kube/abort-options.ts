import {
  Observable,
  type ConfigurationOptions,
  type RequestContext,
  type ResponseContext,
} from '@kubernetes/client-node';

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
    middleware: [
      ...(base?.middleware ?? []),
      {
        pre: (request: RequestContext) => {
          request.setSignal(signal);
          return new Observable(Promise.resolve(request));
        },
        post: (response: ResponseContext) => new Observable(Promise.resolve(response)),
      },
    ],
    middlewareMergeStrategy: 'append',
  };
}
