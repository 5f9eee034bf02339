import { defineWords } from '../../lib/i18n';

export const words = defineWords(
  {
    title: '账本核查',
    subtitle: '重新计算每条记录的哈希、每件财物的记录链、默克尔树、每个已签名检查点和每一行财物数据',
    verifyTitle: '全账本验证',
    verifyHint: '在服务器上逐条重算整个账本，并与签名的检查点和当前财物数据比对；结果指明第一处不一致。',
    start: '开始验证',
    running: (checked: number, total: number) => `已验证 ${checked} / ${total} 条记录`,
    passed: '账本完整，未发现任何不一致',
    passedDetail: (size: number, items: number, root: string) => `共 ${size} 条记录、${items} 件财物；根哈希 ${root}`,
    startSince: '只验证新增部分',
    sinceHint: '从上次验证通过的检查点起，只验证其后新增的记录和它们涉及的财物，比全账本验证快得多。',
    sinceDetail: (since: number, events: number, items: number, root: string) =>
      `第 ${since} 号检查点之后的 ${events} 条记录、${items} 件财物；根哈希 ${root}`,
    sinceNotCovered: '检查点之前的其他记录和此后未变动财物的数据未重新读取，由全账本验证检查。',
    failedTitle: '发现不一致',
    atEvent: (index: number) => `第 ${index} 号记录`,
    atItem: '财物',
    couldNotRun: '验证未能完成',
    checkpointsTitle: '检查点与见证签名',
    checkpointsHint: '每个检查点由账本密钥签名，见证方会签；见证签名在此用见证方公钥在浏览器中核验。',
    size: '记录数',
    signedAt: '签名时间',
    root: '根哈希',
    witnesses: '见证签名',
    noWitness: '无',
    cosignedAt: (name: string, at: string) => `${name}（${at}）`,
    badCosignature: (name: string) => `${name}：签名无效`,
    none: '尚无检查点',
  },
  {
    title: 'Ledger',
    subtitle:
      "Recomputes every event's hash, each item's chain, the Merkle tree, every signed checkpoint and every items row",
    verifyTitle: 'Whole-ledger verification',
    verifyHint:
      'Replays the whole ledger on the server and compares it with the signed checkpoints and the items as they stand; names the first mismatch.',
    start: 'Verify',
    running: (checked: number, total: number) => `${checked} of ${total} events verified`,
    passed: 'The ledger is whole: nothing differs',
    passedDetail: (size: number, items: number, root: string) => `${size} events, ${items} items; root hash ${root}`,
    startSince: 'Verify what is new',
    sinceHint:
      'From the checkpoint the last passing verification ended at: only the events appended since and the items they touched, much quicker than the whole ledger.',
    sinceDetail: (since: number, events: number, items: number, root: string) =>
      `${events} events after checkpoint ${since}, ${items} items; root hash ${root}`,
    sinceNotCovered:
      'The other events before the checkpoint, and the items unchanged since, were not read again: the whole-ledger verification checks them.',
    failedTitle: 'A mismatch was found',
    atEvent: (index: number) => `Event ${index}`,
    atItem: 'Item',
    couldNotRun: 'The verification could not finish',
    checkpointsTitle: 'Checkpoints and cosignatures',
    checkpointsHint:
      "Each checkpoint is signed with the ledger's key and cosigned by witnesses; the cosignatures are checked here, in the browser, with the witnesses' keys.",
    size: 'Events',
    signedAt: 'Signed',
    root: 'Root hash',
    witnesses: 'Cosigned by',
    noWitness: 'None',
    cosignedAt: (name: string, at: string) => `${name} (${at})`,
    badCosignature: (name: string) => `${name}: invalid`,
    none: 'No checkpoint yet',
  },
);
