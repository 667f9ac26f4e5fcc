export * from 'recker-real';
export function createRedDbClient() {
  throw new Error(
    'recker shim: the RedDB client is not available (recker 1.0.103 is missing from the registry)',
  );
}
