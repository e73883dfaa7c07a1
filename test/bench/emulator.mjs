// The LiveKit emulator for `make bench`: test/emulator/emulator.mjs run
// standalone and quiet, plus what a benchmark needs and the test suite
// does not:
//   SIGUSR1  every Twirp call is answered --delay-ms (default 50) later
//   SIGUSR2  no added delay (the start state)
//   SIGHUP   prints "calls N Method=n ..." (Twirp calls answered since the
//            last SIGHUP) and starts counting again
// SIGUSR1 and SIGUSR2 also forget the rooms made so far.  The record of calls,
// which the tests read and a benchmark never does, is dropped every
// second so the emulator's memory stays flat under load.
//   node test/bench/emulator.mjs --port P --key K --secret S [--delay-ms 50]
import { parseArgs } from 'node:util';
import { startEmulator } from '../emulator/emulator.mjs';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '7880' },
    key: { type: 'string', default: 'devkey' },
    secret: { type: 'string', default: 'secret' },
    'delay-ms': { type: 'string', default: '50' },
  },
});
const delayMs = Number(values['delay-ms']);
const counts = new Map();
const log = (c) => { if (c.method) counts.set(c.method, (counts.get(c.method) ?? 0) + 1); };
const emu = await startEmulator({ port: Number(values.port), apiKey: values.key, apiSecret: values.secret, log });
setInterval(() => { emu.calls.length = 0; }, 1000);
process.on('SIGUSR1', () => { emu.reset(); emu.setDelay(delayMs); });
process.on('SIGUSR2', () => { emu.reset(); emu.setDelay(0); });
process.on('SIGHUP', () => {
  let n = 0;
  for (const v of counts.values()) n += v;
  console.log(`calls ${n} ${[...counts].map(([k, v]) => `${k}=${v}`).join(' ')}`);
  counts.clear();
});
const stop = () => { emu.close().then(() => process.exit(0)); };
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
console.log(`livekit emulator listening on ${emu.url} (key ${values.key})`);
