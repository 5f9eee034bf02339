import { defineWords } from '../../lib/i18n';

export const words = defineWords(
  {
    title: '机构',
    subtitle: '公安、检察、审判、纪检监察机关和涉案财物管理中心；每个用户属于一个机构',
    create: '新建机构',
    createTitle: '新建机构',
    editTitle: (code: string) => `修改机构 ${code}`,
    code: '机构代码',
    codeHint: '大写字母、数字、_ 或 -，最多 32 个字符；建立后不能更改（打印在标签和文书上）',
    codeFormat: '代码须以大写字母或数字开头，只含大写字母、数字、_ 或 -',
    name: '名称',
    kind: '类别',
    createdAt: '建立时间',
    none: '还没有机构',
    count: (n: number) => `共 ${n} 个机构`,
  },
  {
    title: 'Agencies',
    subtitle: 'Police, procuratorates, courts, discipline commissions and custody centres; every user belongs to one',
    create: 'New agency',
    createTitle: 'New agency',
    editTitle: (code: string) => `Edit agency ${code}`,
    code: 'Code',
    codeHint: 'Upper-case letters, digits, _ or -, up to 32; it never changes (labels and documents print it)',
    codeFormat: 'A code starts with an upper-case letter or a digit and holds only those, _ or -',
    name: 'Name',
    kind: 'Kind',
    createdAt: 'Created',
    none: 'No agency yet',
    count: (n: number) => `${n} agencies`,
  },
);
