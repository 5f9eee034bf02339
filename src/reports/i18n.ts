import type { Category } from '../custody/items/item-kinds';

export const LANGS = ['zh', 'en'] as const;
export type Lang = (typeof LANGS)[number];

const CATEGORY_NAMES: Record<Category, [zh: string, en: string]> = {
  cash: ['现金', 'Cash'],
  drugs: ['毒品', 'Drugs'],
  firearm: ['枪支', 'Firearm'],
  weapon: ['管制器具', 'Weapon'],
  valuables: ['贵重物品', 'Valuables'],
  electronics: ['电子设备', 'Electronics'],
  vehicle: ['车辆', 'Vehicle'],
  document: ['文件资料', 'Document'],
  biological: ['生物样本', 'Biological sample'],
  hazardous: ['危险品', 'Hazardous'],
  other: ['其他', 'Other'],
};

export const categoryName = (category: Category, lang: Lang) => CATEGORY_NAMES[category][lang === 'zh' ? 0 : 1];

const WORDS = {
  case: ['案号', 'Case'],
  item: ['第{n}件', 'item {n}'],
  seized: ['扣押', 'Seized'],
  agency: ['单位', 'Agency'],
  seal: ['封签', 'Seal'],
  none: ['无', 'none'],
  location: ['位置', 'Location'],
} as const;

export function word(key: keyof typeof WORDS, lang: Lang, n?: number | string): string {
  const text: string = WORDS[key][lang === 'zh' ? 0 : 1];
  return n === undefined ? text : text.replace('{n}', String(n));
}

const EVENT_NAMES: Record<string, [zh: string, en: string]> = {
  registered: ['登记', 'Registered'],
  handover: ['移交入库', 'Handed over'],
  locker_deposit: ['存入智能柜', 'Deposited in locker'],
  locker_retrieve: ['从智能柜取出', 'Taken from locker'],
  check_in: ['上架入库', 'Checked in'],
  move: ['移库', 'Moved'],
  check_out: ['出库借用', 'Checked out'],
  return: ['归还入库', 'Returned'],
  disposed: ['处置', 'Disposed'],
  request_created: ['提出申请', 'Request made'],
  request_approved: ['申请批准', 'Request approved'],
  request_rejected: ['申请驳回', 'Request rejected'],
  request_cancelled: ['申请撤销', 'Request cancelled'],
  transfer_offered: ['移送待接收', 'Transfer offered'],
  transfer_accepted: ['移送已接收', 'Transfer accepted'],
  transfer_refused: ['拒绝接收移送', 'Transfer refused'],
  hold_placed: ['冻结（禁止处置）', 'Legal hold placed'],
  hold_released: ['解除冻结', 'Legal hold released'],
  correction: ['更正', 'Correction'],
  attachment_added: ['添加附件', 'Attachment added'],
  label_printed: ['打印标签', 'Label printed'],
  audited: ['盘点', 'Seen in an inventory'],
  review_date_set: ['调整处置审查日期', 'Review date changed'],
  alert: ['告警', 'Alert'],
};

export const eventName = (type: string, lang: Lang) => EVENT_NAMES[type]?.[lang === 'zh' ? 0 : 1] ?? type;

const REPORT_WORDS = {
  historyTitle: ['涉案财物保管链报告', 'Custody history of seized property'],
  inventoryTitle: ['案件涉案财物清单', 'Case inventory'],
  receiptTitle: ['涉案财物移交清单（交接单）', 'Hand-over receipt'],
  loanTitle: ['涉案财物调用单', 'Loan slip'],
  disposalTitle: ['涉案财物处置证明', 'Disposal certificate'],
  page: ['第 {n} 页', 'page {n}'],
  of: ['共 {n} 页', 'of {n}'],
  report: ['报告编号', 'Report'],
  generated: ['生成时间', 'Generated'],
  by: ['打印人', 'Printed by'],
  particulars: ['财物信息', 'Particulars'],
  photos: ['照片', 'Photographs'],
  events: ['保管记录', 'Custody events'],
  verification: ['核验结论', 'Verification'],
  verified: ['已核验：记录完整、未被篡改', 'VERIFIED: the history is complete and unaltered'],
  notVerified: ['核验失败', 'NOT VERIFIED'],
  actor: ['操作人', 'Actor'],
  witness: ['见证人', 'Witness'],
  state: ['状态', 'State'],
  location: ['位置', 'Location'],
  holder: ['持有人', 'Holder'],
  request: ['申请', 'Request'],
  hash: ['哈希', 'Hash'],
  prev: ['前一哈希', 'Previous'],
  correctedBy: ['已被第 {n} 条更正', 'corrected by #{n}'],
  checkpoint: ['签名检查点', 'Signed checkpoint'],
  cosigned: ['见证方副签', 'Cosigned by'],
  none: ['无', 'none'],
  attached: [
    '本 PDF 附有证明包 {n}，可用 npm run verify 离线核验。',
    'The proof bundle {n} is attached to this PDF; check it offline with npm run verify.',
  ],
  handedOverBy: ['移交人', 'Handed over by'],
  receivedBy: ['接收人', 'Received by'],
  approvedBy: ['批准人', 'Approved by'],
  borrower: ['借用人', 'Borrower'],
  executedBy: ['执行人', 'Carried out by'],
  date: ['日期', 'Date'],
  items: ['财物', 'Items'],
  itemCount: ['{n} 件', '{n} items'],
  opened: ['立案日期', 'Opened'],
  handedOverAt: ['移交时间', 'Time'],
  case: ['案号', 'Case'],
  itemNo: ['序号', 'No.'],
  code: ['编码', 'Code'],
  category: ['类别', 'Category'],
  description: ['名称', 'Description'],
  quantity: ['数量', 'Quantity'],
  seal: ['封签', 'Seal'],
  lastEvent: ['最近记录', 'Last event'],
  requestNo: ['申请编号', 'Request'],
  requestedBy: ['申请人', 'Requested by'],
  purpose: ['用途', 'Purpose'],
  due: ['归还期限', 'Due'],
  reason: ['事由', 'Reason'],
  method: ['处置方式', 'Method'],
  order: ['依据', 'Order'],
  status: ['状态', 'Status'],
} as const;

export function reportWord(key: keyof typeof REPORT_WORDS, lang: Lang, n?: number | string): string {
  const text: string = REPORT_WORDS[key][lang === 'zh' ? 0 : 1];
  return n === undefined ? text : text.replace('{n}', String(n));
}
