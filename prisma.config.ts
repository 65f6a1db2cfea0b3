// Prisma CLI configuration for users who have Prisma's native engines
// (`prisma migrate dev|deploy`, `prisma db seed`). Our own machines cannot
// download them; there `pnpm db:migrate` and `pnpm db:seed` do the same job.
// The CLI's migrate and seed commands need DATABASE_URL: without it there is
// no datasource (`prisma generate` does not need one), so they can never act
// on a different database than the one our scripts would use.
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: {
    path: 'prisma/migrations',
    seed: 'pnpm --filter @agentstate/fixtures run seed',
  },
  ...(process.env.DATABASE_URL ? { datasource: { url: process.env.DATABASE_URL } } : {}),
});
