import type { TestContext } from './context';
import { as, phone, setUpWorld, stored, type World } from './world';

let ctx: TestContext;
let world: World;
setUpWorld((c, w) => ([ctx, world] = [c, w]));

test('requests can be listed by an item they name, typed as people type codes, with the loan particulars', async () => {
  const officer = as(ctx, world.people.officer);
  const [lent, other] = await stored(ctx, world, [phone, phone]);
  const loan = await officer.post('/requests', {
    kind: 'loan',
    itemCodes: [lent],
    reason: '送检',
    borrower: '市鉴定中心',
    purpose: 'lab',
    dueAt: new Date(Date.now() + 7 * 86400_000).toISOString(),
  });
  expect(loan.status).toBe(201);
  const otherLoan = await officer.post('/requests', {
    kind: 'loan',
    itemCodes: [other],
    reason: '庭审',
    borrower: '东区法院',
    purpose: 'court',
    dueAt: new Date(Date.now() + 8 * 86400_000).toISOString(),
  });
  expect(otherLoan.status).toBe(201);
  expect((await as(ctx, world.people.approver).post(`/requests/${loan.body.id}/approve`, {})).status).toBe(200);

  const warehouse = as(ctx, world.people.warehouse);
  const typed = `${lent!.slice(0, 4)}-${lent!.slice(4, 8)}-${lent!.slice(8)}`.toLowerCase();
  const found = await warehouse.get(`/requests?kind=loan&status=approved&item=${typed}`);
  expect(found.status).toBe(200);
  expect(found.body.items).toEqual([
    expect.objectContaining({ id: loan.body.id, itemCodes: [lent], borrower: '市鉴定中心', purpose: 'lab' }),
  ]);
  expect((await warehouse.get(`/requests?status=approved&item=${other}`)).body.items).toEqual([]);
  expect((await warehouse.get(`/requests?item=${other}`)).body.items.map((r: { id: string }) => r.id)).toEqual([
    otherLoan.body.id,
  ]);
  // A code with a wrong check character is refused, never taken for another item's.
  const typo = lent!.slice(0, 9) + (lent!.endsWith('0') ? '1' : '0');
  expect((await warehouse.get(`/requests?item=${typo}`)).status).toBe(400);
});
