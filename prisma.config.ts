// Prisma CLI configuration for users who have Prisma's native engines
// (`prisma migrate dev|deploy`, `prisma db seed`). Our own machines cannot
// download them; there `pnpm db:migrate` does the same job (see README).
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: {
    path: 'prisma/migrations',
    seed: 'pnpm --filter @agentstate/fixtures run seed',
  },
  datasource: {
    url: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres',
  },
});
