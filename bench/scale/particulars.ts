import type { Json } from '../../src/custody/ledger/canonical-json';
import type { Category } from '../../src/custody/items/item-kinds';
import type { Random } from './seeded';

/** What items are seized, and what a registration says of them. */

const CATEGORY_SHARES: [Category, number][] = [
  ['electronics', 0.24],
  ['document', 0.16],
  ['cash', 0.1],
  ['valuables', 0.09],
  ['vehicle', 0.05],
  ['drugs', 0.07],
  ['weapon', 0.06],
  ['firearm', 0.02],
  ['biological', 0.04],
  ['hazardous', 0.02],
  ['other', 0.15],
];

const PARTICULARS: Record<Category, { descriptions: string[]; unit: string }> = {
  electronics: {
    descriptions: [
      '黑色华为手机一部，屏幕有裂痕',
      '白色苹果手机一部',
      '联想笔记本电脑一台',
      '移动硬盘一个，容量2TB',
      '小米手机一部，已关机',
      '监控录像硬盘一块',
    ],
    unit: '部',
  },
  document: {
    descriptions: ['借款合同一份', '账本三本', '银行卡五张', '身份证复印件一叠', '购房合同原件'],
    unit: '份',
  },
  cash: { descriptions: ['人民币现金，百元面额', '美元现金', '人民币现金，含硬币'], unit: '元' },
  valuables: { descriptions: ['黄金项链一条', '钻石戒指一枚', '名表一块', '玉镯一只'], unit: '件' },
  vehicle: { descriptions: ['白色小型轿车一辆', '电动自行车一辆', '摩托车一辆'], unit: '辆' },
  drugs: { descriptions: ['白色晶体疑似冰毒', '褐色块状物疑似海洛因', '大麻叶若干'], unit: '克' },
  weapon: { descriptions: ['管制刀具一把', '弹簧刀一把', '甩棍一根'], unit: '把' },
  firearm: { descriptions: ['仿真手枪一支', '气枪一支', '子弹若干'], unit: '支' },
  biological: { descriptions: ['血样一份', '毛发样本', '唾液拭子'], unit: '份' },
  hazardous: { descriptions: ['汽油一桶', '不明化学品一瓶', '烟花爆竹一箱'], unit: '件' },
  other: { descriptions: ['黑色背包一个', '衣物一袋', '工具箱一个', '雨伞一把'], unit: '件' },
};

export const SURNAMES = ['张', '王', '李', '赵', '刘', '陈', '杨', '黄', '周', '吴'];
const STREETS = ['东岳大街', '泰山大街', '灵山大街', '迎宾大道', '擂鼓石大街'];
export const BORROWERS = ['泰安市公安司法鉴定中心', '泰安市中级人民法院', '山东省公安厅物证鉴定研究中心'];
export const PURPOSES = ['lab', 'court', 'appraisal'] as const;

export function pickCategory(random: Random): Category {
  let roll = random.next();
  for (const [category, share] of CATEGORY_SHARES) if ((roll -= share) < 0) return category;
  return 'other';
}

/** What a registration says of one item, with only the keys the API would have been given. */
export function particulars(random: Random, category: Category, seizedAt: string): { [key: string]: Json } {
  const { descriptions, unit } = PARTICULARS[category];
  const item: { [key: string]: Json } = {
    category,
    description: random.pick(descriptions),
    quantity:
      category === 'cash' ? String(100 * (1 + random.int(500))) : String(1 + (random.chance(0.8) ? 0 : random.int(5))),
    unit,
    seizedAt,
  };
  if (category === 'cash') {
    item.amount = item.quantity!;
    item.currency = 'CNY';
  }
  if (category === 'drugs') item.weightGrams = `${1 + random.int(500)}.${random.int(10)}`;
  if (category === 'electronics' || category === 'firearm' || category === 'vehicle') {
    item.serialNumber = `SN${random.int(1e9).toString(36).toUpperCase()}`;
  }
  if (random.chance(0.7)) item.sealNumber = `FT${String(random.int(1e8)).padStart(8, '0')}`;
  if (random.chance(0.8)) item.seizedFrom = `${random.pick(SURNAMES)}某`;
  if (random.chance(0.8)) item.seizedPlace = `泰安市${random.pick(STREETS)}${1 + random.int(300)}号`;
  return item;
}

/** Cases of 1 to 200 items, most of a few, some large. */
export const caseSize = (random: Random) => 1 + Math.floor(199 * random.next() ** 9);
