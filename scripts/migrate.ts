/** Applies pending migrations to DATABASE_URL (creating the database if needed): `npm run db:migrate`. */
import { migrateDatabase, redactUrl } from '../src/db/migrate.js';

const url = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/omnidesk';
const applied = await migrateDatabase(url);
console.log(applied.length ? `Applied ${applied.join(', ')} to ${redactUrl(url)}` : `${redactUrl(url)} is up to date`);
