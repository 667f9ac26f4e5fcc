/** The names a DeltaSpace reserves, and the file names it accepts. */
import { bkError } from '../errors.js';

export const REFERENCE_NAME = 'reference.bin';
export const DELTA_SUFFIX = '.delta';
const PRINTABLE_ASCII = /^[\x20-\x7e]+$/;

/** True when `name` can be a DeltaSpace file name (see `checkName`). */
export function isValidName(name: string): boolean {
  return (
    PRINTABLE_ASCII.test(name) &&
    !name.includes('/') &&
    name !== REFERENCE_NAME &&
    !name.endsWith(DELTA_SUFFIX) &&
    name !== '.' &&
    name !== '..'
  );
}

/** Throws `InvalidArgument` unless `name` is printable ASCII (it goes into metadata), without `/`, not reserved. */
export function checkName(name: string): void {
  if (!isValidName(name)) {
    throw bkError(
      'InvalidArgument',
      'a DeltaSpace file name is printable ASCII (it goes into metadata), without "/", and is neither ' +
        `"${REFERENCE_NAME}" nor "*${DELTA_SUFFIX}"`,
      { details: { name } },
    );
  }
}
