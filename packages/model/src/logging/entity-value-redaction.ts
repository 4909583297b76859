/**
 * MikroORM's ValidationError messages quote the value they refused, and some append the whole
 * entity (`Value for StaffMember.name is required, 'undefined' found\nentity: StaffMember {
 * email: '…', … }`). These messages keep what was wrong and where, and withhold the values.
 */

const VALUE_WITHHELD = '[value withheld]';

/** Each known message, and its form without the value; `$n` are the parts that name no data. */
const TEMPLATES: [RegExp, string][] = [
  // ValidationError.fromWrongPropertyType
  [
    /^Trying to set (\S+) of type '([^']*)' to [\s\S]* of type '([^']*)'$/,
    `Trying to set $1 of type '$2' to ${VALUE_WITHHELD} of type '$3'`,
  ],
  // ValidationError.invalidType
  [
    /^Could not convert (\S+) value '[\s\S]*' of type '([^']*)' to type (\S+)$/,
    `Could not convert $1 value ${VALUE_WITHHELD} of type '$2' to type $3`,
  ],
  // ValidationError.propertyRequired
  [/^Value for (\S+) is required, [\s\S]*$/, `Value for $1 is required, ${VALUE_WITHHELD} found`],
  // ValidationError.notEntity
  [
    /^Entity of type (\S+) expected for property (\S+), [\s\S]* of type (\w+) given\./,
    `Entity of type $1 expected for property $2, ${VALUE_WITHHELD} of type $3 given.`,
  ],
  // ValidationError.cannotUseOperatorsInsideEmbeddables / cannotUseGroupOperatorsInsideScalars
  [/^([^\n]*\(property: [^,]+), payload: [\s\S]*\)$/, `$1, payload: ${VALUE_WITHHELD})`],
];

/**
 * The message without the values MikroORM quoted. An unknown message keeps its first line only,
 * since the lines after it are where MikroORM prints entities.
 */
export function withoutEntityValues(message: string): string {
  for (const [pattern, replacement] of TEMPLATES) {
    if (pattern.test(message)) return message.replace(pattern, replacement);
  }
  const newline = message.indexOf('\n');
  return newline < 0 ? message : message.slice(0, newline);
}
