/** Input that is wrong; `field` names it (dotted path). Maps to HTTP 400. */
export class ValidationError extends Error {
  override readonly name = 'ValidationError';
  constructor(
    readonly field: string,
    problem: string,
  ) {
    super(`${field}: ${problem}`);
  }
}

/**
 * A bad page request (`cursor`, `limit`: see PageRequest). Every listing an API offers takes these
 * from its query string, so an API names the field as sent there (`query.cursor`).
 */
export class PageRequestError extends ValidationError {}

/**
 * A page cursor that no longer leads anywhere (e.g. it is past the end of a database restored
 * from a backup taken before it was handed out): list again from the first page. Maps to HTTP 410;
 * its message says why and what to do. An API names `cursor` as sent (`query.cursor`).
 */
export class CursorGoneError extends Error {
  override readonly name = 'CursorGoneError';
  readonly field = 'cursor';
  constructor(problem: string) {
    super(`cursor: ${problem}`);
  }
}

/** A record that does not exist. Maps to HTTP 404. */
export class NotFoundError extends Error {
  override readonly name = 'NotFoundError';
  constructor(
    readonly entity: string,
    readonly id: string,
  ) {
    super(`${entity} ${id} not found`);
  }
}

/** A request that conflicts with the current state (duplicate key, wrong status). Maps to HTTP 409. */
export class ConflictError extends Error {
  override readonly name = 'ConflictError';
}

/**
 * `findings.apply` of a snapshot older than one whose findings are applied already: the
 * evaluation is stale (a replica that stopped leading and applies late), and applying it would
 * move the findings back. A ConflictError (409); its `sequence`s name both snapshots.
 */
export class StaleSnapshotError extends ConflictError {
  constructor(
    readonly chain: string,
    readonly sequence: number,
    readonly appliedSequence: number,
  ) {
    super(
      `snapshot ${sequence} of ${chain} is older than snapshot ${appliedSequence}, whose findings ` +
        `are applied already: its evaluation is stale and was not applied`,
    );
  }
}

/** A request the caller may not make, whatever their role (e.g. separation of duties). Maps to HTTP 403. */
export class ForbiddenError extends Error {
  override readonly name = 'ForbiddenError';
}

/** Throws a ValidationError on `field` unless `value` is a Date holding a real instant. */
export function assertValidDate(field: string, value: unknown): asserts value is Date {
  if (!(value instanceof Date) || Number.isNaN(value.getTime()))
    throw new ValidationError(field, 'must be a valid date');
}
