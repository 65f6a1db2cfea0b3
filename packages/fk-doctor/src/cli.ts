// `pnpm fk:doctor` (the package's `doctor` script): checks DATABASE_URL, else the embedded PGlite folder.
import { main } from './main';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 2;
  },
);
