/**
 * The storage event body parser: every shape LakeRunner accepts gives the announced bucket and key;
 * anything else is an InvalidArgument — and, fuzzed, never another error, a crash or a hang.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BucketkitError } from '../../src/errors.js';
import { parseStorageEvents } from '../../src/lake/http/index.js';
import {
  blobCreated,
  gcsObject,
  gridValidation,
  lambdaSqsEvent,
  pubsubPush,
  s3Event,
  s3Record,
  s3TestEvent,
  snsNotification,
  sqsMessage,
} from './event-bodies.js';

const KEY = 'logs-raw/2026/01/app log+1.json.gz';

function objectsOf(body: unknown) {
  const parsed = parseStorageEvents(typeof body === 'string' ? body : JSON.stringify(body));
  if (parsed.kind !== 'objects') throw new Error(`expected objects, got ${parsed.kind}`);
  return parsed.events.map((e) => `${e.source} ${e.bucket} ${e.key} ${e.created}`);
}

function codeOf(body: string): string {
  try {
    parseStorageEvents(body);
    return 'ok';
  } catch (err) {
    if (!BucketkitError.is(err)) throw err;
    return err.code;
  }
}

describe('parseStorageEvents', () => {
  it('reads S3 notifications direct, in an SQS message, a ReceiveMessage answer, Lambda SQS and SNS', () => {
    const want = [`aws-s3 raw ${KEY} true`];
    expect(objectsOf(s3Event('raw', KEY))).toEqual(want);
    expect(objectsOf(sqsMessage(s3Event('raw', KEY)))).toEqual(want);
    expect(objectsOf({ Messages: [sqsMessage(s3Event('raw', KEY))] })).toEqual(want);
    expect(objectsOf(lambdaSqsEvent(s3Event('raw', KEY)))).toEqual(want);
    expect(objectsOf(snsNotification(s3Event('raw', KEY)))).toEqual(want);
    expect(objectsOf(sqsMessage(snsNotification(s3Event('raw', KEY))))).toEqual(want);
  });

  it('keeps the event name: only ObjectCreated:* is a creation', () => {
    const body = {
      Records: [
        s3Record('raw', 'a.json', 'ObjectCreated:CompleteMultipartUpload'),
        s3Record('raw', 'b.json', 'ObjectRemoved:Delete'),
        s3Record('raw', 'c.json', 's3:ObjectCreated:Copy'),
      ],
    };
    expect(objectsOf(body)).toEqual([
      'aws-s3 raw a.json true',
      'aws-s3 raw b.json false',
      'aws-s3 raw c.json true',
    ]);
  });

  it('decodes S3 keys as S3 encodes them (+ is a space, %2B a plus)', () => {
    const body = { Records: [{ s3: { bucket: { name: 'raw' }, object: { key: 'a+b%2Bc%C3%A9.json' } } }] };
    expect(objectsOf(body)).toEqual(['aws-s3 raw a b+cé.json true']);
  });

  it('reads GCS objects bare and as Pub/Sub pushes (data or attributes only)', () => {
    expect(objectsOf(gcsObject('raw', KEY))).toEqual([`gcp-storage raw ${KEY} true`]);
    expect(objectsOf(pubsubPush('raw', KEY))).toEqual([`gcp-storage raw ${KEY} true`]);
    expect(objectsOf(pubsubPush('raw', KEY, 'OBJECT_DELETE'))).toEqual([`gcp-storage raw ${KEY} false`]);
    const noData = pubsubPush('raw', KEY);
    const { data: _, ...message } = noData.message;
    expect(
      objectsOf({
        ...noData,
        message: { ...message, attributes: { ...message.attributes, payloadFormat: 'NONE' } },
      }),
    ).toEqual([`gcp-storage raw ${KEY} true`]);
  });

  it('reads Event Grid BlobCreated events, one or an array, and answers the validation', () => {
    expect(objectsOf([blobCreated('raw', KEY)])).toEqual([`azure-blob raw ${KEY} true`]);
    expect(objectsOf(blobCreated('raw', KEY))).toEqual([`azure-blob raw ${KEY} true`]);
    expect(objectsOf([blobCreated('raw', 'x.json', 'Microsoft.Storage.BlobDeleted')])).toEqual([
      'azure-blob raw x.json false',
    ]);
    expect(
      parseStorageEvents(JSON.stringify(gridValidation('512d38b6-c7b8-40c8-89fe-f46f9e9622b6'))),
    ).toEqual({
      kind: 'validation',
      validationCode: '512d38b6-c7b8-40c8-89fe-f46f9e9622b6',
    });
  });

  it('knows the S3 test event', () => {
    expect(parseStorageEvents(JSON.stringify(s3TestEvent))).toEqual({ kind: 'test' });
    expect(parseStorageEvents(JSON.stringify(sqsMessage(s3TestEvent)))).toEqual({ kind: 'test' });
  });

  it('refuses what is not a storage event with a message naming what was expected', () => {
    for (const body of [
      '',
      'not json',
      '42',
      'null',
      '"text"',
      '{}',
      '{"Records":[]}',
      '[]',
      '{"Records":[{"s3":{}}]}',
    ]) {
      expect(codeOf(body), body).toBe('InvalidArgument');
    }
    expect(() => parseStorageEvents('{"hello":1}')).toThrow(
      /S3 event notification.*storage#object.*Event Grid/,
    );
    expect(() =>
      parseStorageEvents(JSON.stringify({ Type: 'SubscriptionConfirmation', SubscribeURL: 'x' })),
    ).toThrow(/SubscribeURL/);
    const deep = (n: number): unknown => (n === 0 ? s3Event('raw', 'a.json') : sqsMessage(deep(n - 1)));
    expect(codeOf(JSON.stringify(deep(4)))).toBe('ok');
    expect(codeOf(JSON.stringify(deep(6)))).toBe('InvalidArgument');
  });

  it('keeps the valid records of a body with some broken ones', () => {
    const parsed = parseStorageEvents(
      JSON.stringify({ Records: [s3Record('raw', 'a.json'), { s3: { bucket: {} } }, 7] }),
    );
    expect(parsed).toMatchObject({ kind: 'objects', events: [{ key: 'a.json' }] });
    expect(parsed.kind === 'objects' && parsed.invalid).toHaveLength(2);
  });

  it('fuzz: any text, any JSON, mutated real bodies → events or InvalidArgument, nothing else', () => {
    const real = [
      s3Event('raw', KEY),
      sqsMessage(s3Event('raw', KEY)),
      lambdaSqsEvent(s3Event('raw', KEY)),
      snsNotification(s3Event('raw', KEY)),
      pubsubPush('raw', KEY),
      gcsObject('raw', KEY),
      [blobCreated('raw', KEY)],
      gridValidation('c'),
      s3TestEvent,
    ].map((b) => JSON.stringify(b));
    const mutated = fc
      .tuple(fc.constantFrom(...real), fc.nat(), fc.nat(), fc.string({ maxLength: 20 }))
      .map(([text, at, cut, insert]) => {
        const i = at % (text.length + 1);
        return text.slice(0, i) + insert + text.slice(i + (cut % 8));
      });
    const text = fc.oneof(
      fc.string(),
      fc.json(),
      mutated,
      fc.jsonValue().map((v) => JSON.stringify({ Records: [v] })),
      fc
        .jsonValue()
        .map((v) => JSON.stringify({ message: { data: Buffer.from(JSON.stringify(v)).toString('base64') } })),
      fc
        .jsonValue()
        .map((v) => JSON.stringify([{ eventType: 'Microsoft.Storage.BlobCreated', subject: v, data: v }])),
      fc.jsonValue().map((v) => JSON.stringify({ Body: JSON.stringify(v) })),
    );
    fc.assert(
      fc.property(text, (body) => {
        const code = codeOf(body);
        expect(['ok', 'InvalidArgument']).toContain(code);
        if (code === 'ok') {
          const parsed = parseStorageEvents(body);
          if (parsed.kind === 'objects') {
            for (const e of parsed.events) {
              expect(typeof e.key).toBe('string');
              expect(e.key.length).toBeGreaterThan(0);
              expect(typeof e.bucket).toBe('string');
            }
          }
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('survives deeply nested and huge inputs without a stack overflow', () => {
    expect(codeOf('['.repeat(200_000) + ']'.repeat(200_000))).toBe('InvalidArgument');
    expect(codeOf(`{"Records":${'['.repeat(100_000)}${']'.repeat(100_000)}}`)).toBe('InvalidArgument');
    const many = { Records: Array.from({ length: 5000 }, (_, i) => s3Record('raw', `k${i}.json`)) };
    expect(objectsOf(many)).toHaveLength(5000);
  });
});
