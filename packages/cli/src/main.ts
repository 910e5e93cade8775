// Entry point of the `portico` binary (bin/portico.js loads it through tsx).
import { main } from './run.js';

process.exitCode = await main(process.argv.slice(2));
