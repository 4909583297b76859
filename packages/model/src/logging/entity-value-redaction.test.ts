import { ValidationError } from '@mikro-orm/core';
import { describe, expect, it } from 'vitest';
import { safeErrorMessage, serializeError, type SafeError } from './error-serializer.js';

const EMAIL = 'dave.private@acme.example';

class StaffMember {
  email = EMAIL;
  name = 'Dave Private';
  /** What a managed entity carries and propertyRequired reads. */
  __meta = { className: 'StaffMember' };
}

const property = { name: 'staff', type: 'StaffMember' } as never;

/** Built by MikroORM's own factories, so a change in its wording fails here. */
const cases: [string, ValidationError, string][] = [
  [
    'a value of the wrong type',
    ValidationError.fromWrongPropertyType(new StaffMember(), 'email', 'number', 'string', EMAIL),
    "Trying to set StaffMember.email of type 'number' to [value withheld] of type 'string'",
  ],
  [
    'a value that does not convert',
    ValidationError.invalidType({ name: 'DateTimeType' } as never, EMAIL, 'JS'),
    "Could not convert JS value [value withheld] of type 'string' to type DateTimeType",
  ],
  [
    'a missing required value, with the entity printed after it',
    ValidationError.propertyRequired(new StaffMember(), { name: 'name' } as never),
    'Value for StaffMember.name is required, [value withheld] found',
  ],
  [
    'a plain object where an entity was expected',
    ValidationError.notEntity(new StaffMember(), property, { email: EMAIL }),
    'Entity of type StaffMember expected for property StaffMember.staff, [value withheld] of type object given. If you are using Object.assign(entity, data), use em.assign(entity, data) instead.',
  ],
  [
    'an operator inside an embeddable',
    ValidationError.cannotUseOperatorsInsideEmbeddables('StaffMember', 'address', {
      $eq: EMAIL,
    }),
    'Using operators inside embeddables is not allowed, move the operator above. (property: StaffMember.address, payload: [value withheld])',
  ],
];

describe('MikroORM validation errors in the log', () => {
  it.each(cases)('%s keeps what was wrong, not the value', (_, error, expected) => {
    expect(`${error.message}${JSON.stringify(error.message)}`).toContain(EMAIL.split('@')[0]);
    const serialized = serializeError(error) as SafeError;
    expect(JSON.stringify(serialized)).not.toContain('dave.private');
    expect(serialized.message).toBe(expected);
    expect(serialized.stack?.split('\n')[0]).toBe(`ValidationError: ${expected}`);
    expect(safeErrorMessage(error)).toBe(expected);
  });

  it('a message that names no value is kept as it is', () => {
    const error = ValidationError.invalidPropertyName('StaffMember', 'emial');
    expect(serializeError(error)).toMatchObject({
      message: "Entity 'StaffMember' does not have property 'emial'",
    });
  });

  it('an unknown message keeps its first line only, where MikroORM prints no entity', () => {
    const error = new ValidationError(`Something new went wrong\nentity: { email: '${EMAIL}' }`);
    expect(safeErrorMessage(error)).toBe('Something new went wrong');
  });
});
