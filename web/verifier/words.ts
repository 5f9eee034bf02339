// The verifier's words. It runs inside the console and as a file opened from disk, so it carries its own.
const zh = {
  title: '保管链离线验证',
  intro:
    '在本机浏览器中检查财物流转记录报告（PDF）所附的证明包，或单独的证明包（JSON）：不连接任何服务器，结论只取决于文件本身和下面的日志公钥。',
  file: '流转记录报告（PDF）或证明包（JSON）',
  logKey: '日志公钥',
  logKeyHint: '向保管中心索取并妥善保存的公钥（形如 name+keyid+base64）',
  witnessKeys: '见证方公钥（可选，每行一个）',
  check: '开始验证',
  checking: '正在验证…',
  verified: (code: string, n: number) => `验证通过：财物 ${code}，共 ${n} 条记录`,
  failed: '验证未通过',
  noFile: '请选择文件',
  noBundle: '此 PDF 中没有证明包附件',
  notJson: '文件既不是 PDF，也不是证明包 JSON',
  badKey: '公钥无法识别',
  steps: '逐项结果',
  download: '下载离线验证器（单个 HTML 文件，可断网使用）',
  language: 'English',
  step_format: '格式',
  step_events: '记录与链接',
  step_chain: '记录链',
  'step_checkpoint signature': '检查点签名',
  step_inclusion: '包含证明',
  step_cosignature: '见证签名',
  step_cosignatures: '见证签名',
  leafHashes: '各条记录的哈希',
  cosigned: (name: string, at: string) => `${name} 于 ${at} 会签`,
};

const en: typeof zh = {
  title: 'Offline custody verification',
  intro:
    'Checks the proof bundle attached to an item history report (PDF), or a proof bundle on its own (JSON), in this browser: no server is asked, and the verdict depends only on the file and the log key below.',
  file: 'History report (PDF) or proof bundle (JSON)',
  logKey: 'Log key',
  logKeyHint: 'The key you obtained from the custody centre and kept (name+keyid+base64)',
  witnessKeys: "Witnesses' keys (optional, one a line)",
  check: 'Verify',
  checking: 'Verifying…',
  verified: (code: string, n: number) => `Verified: item ${code}, ${n} events`,
  failed: 'Not verified',
  noFile: 'Choose a file',
  noBundle: 'This PDF carries no proof bundle',
  notJson: 'The file is neither a PDF nor a proof bundle in JSON',
  badKey: 'The key cannot be read',
  steps: 'Step by step',
  download: 'Download the offline verifier (one HTML file that works with no network)',
  language: '中文',
  step_format: 'Format',
  step_events: 'Events and chain',
  step_chain: 'Chain',
  'step_checkpoint signature': 'Checkpoint signature',
  step_inclusion: 'Inclusion proof',
  step_cosignature: 'Cosignature',
  step_cosignatures: 'Cosignatures',
  leafHashes: "Each event's hash",
  cosigned: (name: string, at: string) => `${name} cosigned at ${at}`,
};

export const WORDS = { zh, en };
export type Lang = keyof typeof WORDS;
export type VerifierWords = typeof zh;
