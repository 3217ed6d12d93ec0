/**
 * `npm run build:console` builds the web console into dist/console; with `--if-stale` (npm start
 * and npm test run it so) only when the build is missing or older than console/.
 */
import { buildConsole, ensureConsoleBuilt } from '../src/console/build.js';

if (process.argv.includes('--if-stale')) ensureConsoleBuilt();
else buildConsole();
