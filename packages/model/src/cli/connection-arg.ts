import { InvalidArgumentError } from 'commander';

/** `--connection <namespace>/<name>` of the CLIs' verify-chain: exactly two parts, neither empty. */
export function connectionArg(value: string): { namespace: string; name: string } {
  const [namespace, name, ...rest] = value.split('/');
  if (!namespace || !name || rest.length)
    throw new InvalidArgumentError('expected <namespace>/<name>');
  return { namespace, name };
}
