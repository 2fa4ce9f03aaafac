import { defineConfig } from 'drizzle-kit';

/** drizzle-kit reads this to turn `store/schema.ts` into the SQL migrations committed under `store/migrations/`. */
export default defineConfig({
  dialect: 'postgresql',
  schema: './store/schema.ts',
  out: './store/migrations',
  strict: true,
  verbose: true,
});
