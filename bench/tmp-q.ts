import pg from 'pg';
import { benchDatabase } from './fixture';
async function main() {
  const db = await benchDatabase();
  const N = 3000;
  for (let k = 0; k < 2; k++) {
    let c0 = process.cpuUsage(); let t = performance.now();
    for (let i = 0; i < N; i++) await db.orm.em.fork().execute('select ?::int as x', [i]);
    let c = process.cpuUsage(c0); console.log('mikro execute', ((performance.now() - t) / N * 1000).toFixed(0), 'µs wall', ((c.user + c.system) / N).toFixed(0), 'µs cpu');
    c0 = process.cpuUsage(); t = performance.now();
    await db.orm.em.fork().transactional(async (tx) => { for (let i = 0; i < N; i++) await tx.execute('select ?::int as x', [i]); });
    c = process.cpuUsage(c0); console.log('mikro tx execute', ((performance.now() - t) / N * 1000).toFixed(0), 'µs wall', ((c.user + c.system) / N).toFixed(0), 'µs cpu');
    c0 = process.cpuUsage(); t = performance.now();
    for (let i = 0; i < N / 10; i++) await db.orm.em.fork().transactional(async (tx) => { await tx.execute('select 1'); });
    c = process.cpuUsage(c0); console.log('mikro transactional(1 query)', ((performance.now() - t) / (N / 10) * 1000).toFixed(0), 'µs wall', ((c.user + c.system) / (N / 10)).toFixed(0), 'µs cpu');
    const pool = new pg.Pool({ connectionString: db.url, max: 2 });
    c0 = process.cpuUsage(); t = performance.now();
    for (let i = 0; i < N; i++) await pool.query('select $1::int as x', [i]);
    c = process.cpuUsage(c0); console.log('pg pool.query', ((performance.now() - t) / N * 1000).toFixed(0), 'µs wall', ((c.user + c.system) / N).toFixed(0), 'µs cpu');
    await pool.end();
  }
  await db.stop();
}
main();
