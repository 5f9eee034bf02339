import { defineWords } from '../../lib/i18n';

export const words = defineWords(
  {
    title: '借出在外',
    subtitle: '目前借出的财物，逾期的在前',
    code: '编号',
    description: '描述',
    holder: '借用人',
    dueAt: '归还期限',
    overdue: '已逾期',
    case: '案件',
    agency: '法定保管单位',
    none: '目前没有借出的财物',
    total: (n: number | string) => `共 ${n} 件`,
  },
  {
    title: 'Out on loan',
    subtitle: 'The items on loan now, overdue first',
    code: 'Code',
    description: 'Description',
    holder: 'Borrower',
    dueAt: 'Due back',
    overdue: 'Overdue',
    case: 'Case',
    agency: 'Agency with legal custody',
    none: 'No item is out on loan',
    total: (n: number | string) => `${n} in all`,
  },
);
