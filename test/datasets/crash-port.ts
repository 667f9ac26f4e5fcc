/** A port that can "crash": every call, multipart ones included, fails until `recover()`. */
import type { MultipartApi, StoragePort } from '../../src/storage/index.js';

export interface CrashablePort extends StoragePort {
  crash(): void;
  recover(): void;
}

export function crashable(base: StoragePort): CrashablePort {
  let down = false;
  const guard = () => {
    if (down) throw new Error(`${base.name} crashed`);
  };
  const wrap =
    <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      guard();
      return fn(...args);
    };
  const mp = base.multipart;
  const multipart: MultipartApi | undefined = mp && {
    create: wrap(mp.create.bind(mp)),
    uploadPart: wrap(mp.uploadPart.bind(mp)),
    uploadPartCopy: wrap(mp.uploadPartCopy.bind(mp)),
    complete: wrap(mp.complete.bind(mp)),
    abort: wrap(mp.abort.bind(mp)),
  };
  return {
    name: `crashable(${base.name})`,
    capabilities: wrap(base.capabilities.bind(base)),
    put: wrap(base.put.bind(base)),
    get: wrap(base.get.bind(base)),
    head: wrap(base.head.bind(base)),
    async *list(options) {
      guard();
      yield* base.list(options);
    },
    delete: wrap(base.delete.bind(base)),
    deleteMany: wrap(base.deleteMany.bind(base)),
    copy: wrap(base.copy.bind(base)),
    ...(multipart ? { multipart } : {}),
    ...(base.presign ? { presign: wrap(base.presign.bind(base)) } : {}),
    crash() {
      down = true;
    },
    recover() {
      down = false;
    },
  };
}
