/** The agg file's bucket width (LakeRunner's `frequency`), in milliseconds. Kept apart from the writer so
 * that queries (and the browser entry) do not pull in the Parquet writer. */
export const AGG_BUCKET_MS = 10_000;
