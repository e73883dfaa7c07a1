// What the Redis suites share: a redis-server of their own, started in
// the foreground with the arguments a suite gives, waited for until
// answers() says it answers, and killed (SIGKILL, after a SIGCONT for a
// server a test stopped) at kill() or when the test process exits.
import { spawn } from 'node:child_process';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const running = new Set();
process.on('exit', () => {
  for (const p of running) p.kill('SIGKILL');
});

export async function spawnRedis(args, answers) {
  const proc = spawn('redis-server', args, { stdio: ['ignore', 'ignore', 'inherit'] });
  running.add(proc);
  const exited = new Promise((resolve) => proc.on('exit', () => { running.delete(proc); resolve(); }));
  for (let i = 0; i < 100; i++) {
    if (await answers()) {
      return {
        proc,
        async kill() {
          proc.kill('SIGCONT');
          proc.kill('SIGKILL');
          await exited;
        },
      };
    }
    await sleep(50);
  }
  proc.kill('SIGKILL');
  throw new Error('redis-server did not start');
}
