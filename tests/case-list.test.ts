import { as, setUpWorld, type World } from './world';
import type { TestContext } from './context';

let ctx: TestContext;
let world: World;
setUpWorld((c, w) => ((ctx = c), (world = w)));

test('the case list searches number and title and filters open or closed cases, its total counting the filtered', async () => {
  const officer = as(ctx, world.people.officer);
  const opened = async (caseNumber: string, title: string) => {
    const res = await officer.post('/cases', { caseNumber, title, openedOn: '2026-11-20' });
    expect(res.status).toBe(201);
    return res.body.id as string;
  };
  const open = await opened('LIST-OPEN-1', '李某诈骗案');
  const closed = await opened('LIST-CLOSED-1', '李某赌博案');
  await ctx.orm.em.fork().execute(`update cases set status = 'closed' where id = ?`, [closed]);

  const ids = async (query: string) => {
    const res = await officer.get(`/cases?${query}`);
    expect(res.status).toBe(200);
    return { ids: res.body.items.map((c: { id: string }) => c.id).sort(), total: res.body.total };
  };
  expect(await ids('q=李某')).toEqual({ ids: [open, closed].sort(), total: 2 });
  expect(await ids('q=李某&status=closed')).toEqual({ ids: [closed], total: 1 });
  expect(await ids('q=李某&status=open')).toEqual({ ids: [open], total: 1 });
  expect((await ids('status=open')).ids).toContain(world.caseId);
  expect((await ids('status=closed')).ids).not.toContain(world.caseId);
  expect((await officer.get('/cases?status=shut')).status).toBe(400);
});
