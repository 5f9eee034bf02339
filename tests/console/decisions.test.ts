import { makePng } from '../attachment-fixtures';
import { as, phone, stored } from '../world';
import { button, choose, expectAccessible, screenshot } from './browser';
import { setUpConsole, signIn, type ConsoleWorld } from './harness';

let c: ConsoleWorld;
setUpConsole((world) => (c = world));
jest.setTimeout(120_000);

const officer = () => as(c.ctx, c.world.people.officer);
const approver = () => as(c.ctx, c.world.people.approver);

async function fileLoan(who: ReturnType<typeof as>, code: string, borrower: string) {
  const res = await who.post('/requests', {
    kind: 'loan',
    itemCodes: [code],
    reason: `送检 ${borrower}`,
    borrower,
    purpose: 'lab',
    dueAt: new Date(Date.now() + 7 * 86_400_000).toISOString(),
  });
  expect(res.status).toBe(201);
  return res.body.id as string;
}

const requestOf = async (id: string) => (await officer().get(`/requests/${id}`)).body;

test('an approver approves one loan and rejects another, and is told why they cannot decide their own', async () => {
  const [first, second, third] = await stored(c.ctx, c.world, [phone, phone, phone]);
  const approved = await fileLoan(officer(), first!, '市物证鉴定所');
  const rejected = await fileLoan(officer(), second!, '省物证鉴定中心');
  const own = await fileLoan(approver(), third!, '自己的申请');

  const page = await (await c.context()).newPage();
  await signIn(page, c.world.people.approver, '/');
  await page.getByRole('menuitem', { name: /待审批/ }).click();
  await page.waitForURL(/\/decisions$/);
  const card = (text: string) => page.getByTestId('decision').filter({ hasText: text });
  await card('市物证鉴定所').getByTestId('request-item').waitFor();
  expect(await page.getByTestId('decision').count()).toBe(3);
  // Who asked, for what, and each item with its state and place.
  const firstCard = await card('市物证鉴定所').innerText();
  expect(firstCard).toContain(c.world.people.officer.user.displayName);
  expect(firstCard).toContain('在库');
  expect(firstCard).toContain('送检 市物证鉴定所');
  await expectAccessible(page);
  await screenshot(page, 'decisions');

  await button(card('市物证鉴定所'), '批准').click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('审批意见（可不填）').fill('同意送检');
  await button(dialog, '批准').click();
  await card('市物证鉴定所').waitFor({ state: 'detached' });
  expect(await requestOf(approved)).toMatchObject({
    status: 'approved',
    decisionNote: '同意送检',
    decidedByName: c.world.people.approver.user.displayName,
  });

  // A rejection must say why: the form asks before the server is, and the approval's note is not carried over.
  await button(card('省物证鉴定中心'), '驳回').click();
  await button(dialog, '驳回').click();
  await dialog.getByText('请填写此项').waitFor();
  expect((await requestOf(rejected)).status).toBe('requested');
  await dialog.getByLabel('驳回理由').fill('鉴定机构资质不符');
  await button(dialog, '驳回').click();
  await card('省物证鉴定中心').waitFor({ state: 'detached' });
  expect(await requestOf(rejected)).toMatchObject({ status: 'rejected', decisionNote: '鉴定机构资质不符' });

  // The approver's own request stays, explained, with nothing to press.
  const mine = card('自己的申请');
  await mine.getByText('这是您本人提交的申请').waitFor();
  expect(await mine.getByRole('button', { name: /批\s*准|驳\s*回/ }).count()).toBe(0);
  expect((await requestOf(own)).status).toBe('requested');
  await expectAccessible(page);

  // In English, every word of the queue changes.
  await page.getByText('English', { exact: true }).click();
  await mine.getByText('You filed this request, so you cannot decide it').waitFor();
  await page.getByText('中文', { exact: true }).click();
});

test('a court clerk looks at an offered transfer’s items and their history, accepts one and refuses another', async () => {
  const [offered, declined] = await stored(c.ctx, c.world, [phone, phone]);
  // Through the server process, which keeps the files: the in-process app's attachments go elsewhere.
  const photo = await fetch(`${c.baseURL}/api/v1/items/${offered}/attachments?filename=front.png`, {
    method: 'POST',
    headers: { authorization: c.world.people.officer.auth, 'content-type': 'image/png' },
    body: new Uint8Array(makePng(32, 24)),
  });
  expect(photo.status).toBe(201);
  const transfer = async (code: string) => {
    const res = await officer().post('/requests', {
      kind: 'transfer',
      itemCodes: [code],
      reason: `移送审判 ${code}`,
      toAgencyCode: c.world.agencies.court.code,
    });
    expect(res.status).toBe(201);
    expect((await approver().post(`/requests/${res.body.id}/approve`, {})).status).toBe(200);
    return res.body.id as string;
  };
  const acceptedId = await transfer(offered!);
  const refusedId = await transfer(declined!);

  const page = await (await c.context()).newPage();
  await signIn(page, c.world.people.courtClerk, '/transfers');
  const card = (code: string) => page.getByTestId('decision').filter({ hasText: `移送审判 ${code}` });
  await card(offered!).getByTestId('request-item').waitFor();
  expect(await card(offered!).innerText()).toContain(c.world.agencies.police.name);
  // The item's photograph, read from the centre before the court holds the item.
  const image = card(offered!).getByRole('img', { name: /的照片/ });
  await image.waitFor();
  expect(await image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(32);
  await expectAccessible(page);
  await screenshot(page, 'transfers');

  // Its history is one click away, and back.
  await card(offered!)
    .getByRole('link', { name: /查看流转记录/ })
    .click();
  await page.waitForURL(new RegExp(`/items/${offered}$`));
  await page.getByText('发起移送').first().waitFor();
  // Read, not acted on: the court does not hold the item yet.
  await page.getByText('您目前无可执行的操作。').waitFor();
  await page.goBack();

  await button(card(offered!), '接收').click();
  const dialog = page.getByRole('dialog');
  await button(dialog, '接收').click();
  await card(offered!).waitFor({ state: 'detached' });
  const accepted = await requestOf(acceptedId);
  expect(accepted).toMatchObject({ status: 'carried_out', answeredByName: c.world.people.courtClerk.user.displayName });
  const item = await as(c.ctx, c.world.people.courtClerk).get(`/items/${offered}`);
  expect(item.body.owningAgencyCode).toBe(c.world.agencies.court.code);

  await button(card(declined!), '拒收').click();
  await dialog.getByLabel('拒收理由').fill('不属本院管辖');
  await button(dialog, '拒收').click();
  await page.getByText('没有待接收的移送').waitFor();
  expect(await requestOf(refusedId)).toMatchObject({ status: 'refused', answerNote: '不属本院管辖' });
});

test('the disposal review lists due items by case with their holds, and files a disposal for those chosen', async () => {
  const [due, held, later] = await stored(c.ctx, c.world, [phone, phone, phone]);
  const setReview = async (code: string, reviewDate: string) =>
    expect((await approver().post(`/items/${code}/review-date`, { reviewDate, reason: '复查' })).status).toBe(200);
  await setReview(due!, '2026-01-10');
  await setReview(held!, '2026-02-01');
  await setReview(later!, '2099-01-01');
  expect((await approver().post(`/items/${held}/hold`, { reason: '法院冻结令 7 号' })).status).toBe(200);

  const page = await (await c.context()).newPage();
  await signIn(page, c.world.people.officer, '/reviews');
  const caseCard = page.getByTestId('review-case').first();
  await caseCard.getByRole('row').nth(2).waitFor();
  expect(await caseCard.innerText()).toContain(c.world.caseNumber);
  const rows = caseCard.locator('.ant-table-row');
  const codes = await rows.evaluateAll((els) => els.map((el) => el.getAttribute('data-row-key')));
  expect(codes).toEqual(expect.arrayContaining([due, held]));
  expect(codes).not.toContain(later);
  // An item on hold shows why, and cannot be chosen.
  expect(await rows.filter({ hasText: '法院冻结令 7 号' }).getByRole('checkbox').isDisabled()).toBe(true);
  await expectAccessible(page);
  await screenshot(page, 'reviews');

  await caseCard.locator(`[data-row-key="${due}"]`).getByRole('checkbox').check();
  await button(caseCard, '为所选财物申请处置（1）').click();
  const dialog = page.getByRole('dialog');
  await choose(page, dialog.getByLabel('处置方式'), '发还所有人');
  await dialog.getByLabel('依据文书编号').fill('东法刑[2026]12号');
  await dialog.getByLabel('事由').fill('审查期满，判决发还');
  await button(dialog, '提交').click();
  await dialog.getByText('申请已提交，等待审批').waitFor();
  const filed = (await officer().get(`/requests?item=${due}`)).body.items;
  expect(filed).toMatchObject([{ kind: 'disposal', method: 'returned_to_owner', status: 'requested' }]);
});

test('what is out on loan is listed with its borrower, the overdue first and marked', async () => {
  const [later, soon] = await stored(c.ctx, c.world, [phone, phone]);
  const lend = async (code: string, borrower: string, dueAt: Date) => {
    const filed = await officer().post('/requests', {
      kind: 'loan',
      itemCodes: [code],
      reason: '庭审示证',
      borrower,
      purpose: 'court',
      dueAt: dueAt.toISOString(),
    });
    expect(filed.status).toBe(201);
    expect((await approver().post(`/requests/${filed.body.id}/approve`, {})).status).toBe(200);
    const out = await as(c.ctx, c.world.people.warehouse).post(`/items/${code}/check-out`, {
      requestId: filed.body.id,
      condition: '完好',
    });
    expect(out.status).toBe(200);
  };
  await lend(later!, '东城区人民法院', new Date(Date.now() + 7 * 86_400_000));
  const due = new Date(Date.now() + 1500);
  await lend(soon!, '市物证鉴定所', due);
  // Past its due time before the page is read.
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, due.getTime() - Date.now()) + 100));

  const page = await (await c.context()).newPage();
  await signIn(page, c.world.people.approver, '/');
  await page.getByRole('menuitem', { name: /借出在外/ }).click();
  await page.waitForURL(/\/loans$/);
  const rows = page.locator('.ant-table-row');
  await rows.first().waitFor();
  const keys = await rows.evaluateAll((els) => els.map((el) => el.getAttribute('data-row-key')));
  expect(keys.indexOf(soon!)).toBeLessThan(keys.indexOf(later!));
  const overdue = page.locator(`[data-row-key="${soon}"]`);
  expect(await overdue.getByTestId('overdue').innerText()).toBe('已逾期');
  expect(await overdue.innerText()).toContain('市物证鉴定所');
  expect(await page.locator(`[data-row-key="${later}"]`).getByTestId('overdue').count()).toBe(0);
  await expectAccessible(page);
  await screenshot(page, 'loans');
});
