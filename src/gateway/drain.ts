import type { IncomingMessage } from 'node:http';
import { drainForm } from './post/index.js';

/** Bodies up to this size are read and dropped before an error answer, to keep the connection usable. */
const DRAIN_LIMIT = 64 * 1024;

/**
 * Reads and drops a request body the handler left unread when it declares at most `DRAIN_LIMIT` bytes.
 * Resolves true when the body is still unread (too large, or not done within a second): close the connection.
 */
export function drainSmallBody(req: IncomingMessage): Promise<boolean> {
  // a browser upload's form is read by its parser, which must be the one to go on reading it
  const form = drainForm(req, DRAIN_LIMIT, 1_000);
  if (form) return form;
  const declared = Number(req.headers['content-length']);
  // a client that sent `Expect: 100-continue` holds its body back until told to send it: never wait for it
  const heldBack = req.headers.expect !== undefined;
  if (heldBack || !Number.isFinite(declared) || declared > DRAIN_LIMIT || req.destroyed)
    return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (unread: boolean) => {
      clearTimeout(timer);
      req.off('end', onEnd).off('error', onError).off('close', onClose);
      resolve(unread);
    };
    const onEnd = () => done(false);
    const onError = () => done(true);
    const onClose = () => done(!req.complete);
    const timer = setTimeout(() => done(true), 1_000);
    req.on('end', onEnd).on('error', onError).on('close', onClose);
    req.resume();
  });
}
