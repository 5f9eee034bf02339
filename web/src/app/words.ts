import { defineWords } from '../lib/i18n';

export const shell = defineWords(
  {
    menu: '导航',
    cases: '案件',
    requests: '申请',
    decisions: '待审批',
    transfers: '待接收',
    reviews: '处置审查',
    search: '财物查询',
    ledger: '账本核查',
    counter: '交接窗口',
    scan: '扫码工作台',
    loans: '借出在外',
    inventories: '盘点',
    signedInAs: '当前用户',
  },
  {
    menu: 'Navigation',
    cases: 'Cases',
    requests: 'Requests',
    decisions: 'To decide',
    transfers: 'To accept',
    reviews: 'Reviews',
    search: 'Search',
    ledger: 'Ledger',
    counter: 'Counter',
    scan: 'Scan station',
    loans: 'On loan',
    inventories: 'Inventories',
    signedInAs: 'Signed in as',
  },
);
