// Part of `pnpm build`: copies prisma/schema.prisma and prisma/migrations next to the
// compiled code (dist/prisma), so a deployed app finds its data model and migrations
// without the repository around it (see src/paths.ts).
import { cpSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const from = join(packageDir, '..', '..', 'prisma');
const to = join(packageDir, 'dist', 'prisma');
rmSync(to, { recursive: true, force: true });
cpSync(join(from, 'schema.prisma'), join(to, 'schema.prisma'));
cpSync(join(from, 'migrations'), join(to, 'migrations'), { recursive: true });
console.log(`bundled ${from} -> ${to}`);
