import { connect, type StoragePort } from '../storage/index.js';
import { Database as PortDatabase } from './database.js';

/**
 * A document database on any storage port, or on the port a connection string names (`memory://`,
 * `file://`, `s3://`, `http(s)://`; see `connect` in bucketkit/storage).
 *
 * @example
 * ```ts
 * const db = await new Database({ connectionString: 'file://./data', passphrase: process.env.DB_KEY }).connect();
 * const users = await db.createResource({
 *   name: 'users',
 *   attributes: { email: 'string|required|email', country: 'string', token: 'secret' },
 *   partitions: { byCountry: ['country'] },
 *   timestamps: true,
 * });
 * await users.insert({ email: 'ada@example.com', country: 'UK', token: 't0k3n' });
 * const uk = await users.query({ country: 'UK' }); // one LIST per 1,000 ids, then the GETs
 * ```
 */
export class Database extends PortDatabase {
  protected override openConnectionString(url: string): StoragePort {
    return connect(url);
  }
}
