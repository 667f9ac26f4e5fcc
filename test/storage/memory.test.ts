import { memoryStorage } from '../../src/index.js';
import { describeStoragePort } from '../../src/testing/index.js';

describeStoragePort('memory', () => memoryStorage(), { expectConditionalWrites: true });
