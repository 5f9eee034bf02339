import { defineWords } from '../../lib/i18n';

export const words = defineWords(
  {
    waiting: (n: number) => (n ? `待办 ${n} 项` : '没有待办'),
    decisions: '待审批',
    transfers: '待接收',
    overdueLoans: '借出逾期',
    dueReviews: '处置审查到期',
    alerts: '未处理告警',
    newAlert: (kind: string) => `新告警：${kind}`,
    see: '查看',
    item: '财物',
    close: '关闭',
  },
  {
    waiting: (n: number) => (n ? `${n} waiting` : 'Nothing waiting'),
    decisions: 'To decide',
    transfers: 'To accept',
    overdueLoans: 'Loans overdue',
    dueReviews: 'Reviews due',
    alerts: 'Open alerts',
    newAlert: (kind: string) => `New alert: ${kind}`,
    see: 'See',
    item: 'Item',
    close: 'Close',
  },
);
