import { writeFileSync } from 'node:fs';
import { randomBytes } from './test/delta/edits.js';
writeFileSync('/tmp/lz/hex', randomBytes(3 << 20, 11).map((b) => 97 + (b & 15)));
