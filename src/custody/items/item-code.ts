import { randomInt } from 'node:crypto';
import { ValidationError } from '../../errors';
import { BODY_LENGTH, CODE_ALPHABET, CODE_LENGTH, checkCharacter, readItemCode } from './item-code-rules';

export { CODE_ALPHABET, CODE_LENGTH, checkCharacter, formatItemCode } from './item-code-rules';

export function generateItemCode(): string {
  let body = '';
  for (let i = 0; i < BODY_LENGTH; i++) body += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return body + checkCharacter(body);
}

/** The canonical form of a typed or scanned code, or a ValidationError saying why it is not one. */
export function parseItemCode(input: string): string {
  const reading = readItemCode(input);
  if (reading.ok) return reading.code;
  switch (reading.reason) {
    case 'length':
      throw new ValidationError(`item code "${input}" must have ${CODE_LENGTH} characters`);
    case 'character':
      throw new ValidationError(`item code "${input}" contains "${reading.character}", which item codes never use`);
    case 'check':
      throw new ValidationError(`item code "${input}" has a wrong check character: it was mistyped or misread`);
  }
}
