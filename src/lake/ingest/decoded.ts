/**
 * The hand-off between a decoder (one per input format) and the log normaliser that turns a decoded record into a
 * cooked row with LakeRunner's columns. Decoders know their format; only the normaliser knows the column rules
 * (name normalisation, prefixes, file columns, fingerprint, dateint), so every format is cooked the same way.
 */

/** A value as a decoder found it; arrays and maps are already rendered as JSON text. */
export type DecodedValue = string | number | bigint | boolean | null;

/** One log record as read from an input file, before it is cooked. */
export interface DecodedLog {
  /** Event time in nanoseconds since the epoch, if the record had one (record time, else observed time). */
  readonly timestampNs?: bigint;
  /** The message (OTLP body as a string; JSON bodies kept as text). */
  readonly message: string;
  /** The level as written (OTLP severity_text, a CSV/Parquet level column), if any. */
  readonly level?: string;
  /** OTLP resource attributes, or the format's equivalent; names as written, not yet normalised. */
  readonly resource: Readonly<Record<string, DecodedValue>>;
  /** OTLP scope attributes (plus `name`/`version` of the scope); names as written. */
  readonly scope: Readonly<Record<string, DecodedValue>>;
  /** Record attributes; names as written. */
  readonly attributes: Readonly<Record<string, DecodedValue>>;
  /** Columns a format sets directly by their cooked name (CSV's `log_*`, Parquet's `resource_*`/`chq_*`). */
  readonly columns?: Readonly<Record<string, DecodedValue>>;
}
