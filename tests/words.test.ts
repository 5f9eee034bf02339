import fs from 'node:fs';
import path from 'node:path';

// Every console word is in both languages: the types make a missing key fail to compile; this catches empty
// words and English that is still Chinese.
const WEB = path.join(__dirname, '..', 'web', 'src');
const wordFiles = (dir: string): string[] =>
  fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) return wordFiles(file);
    return /words\.ts$/.test(entry.name) ? [file] : [];
  });
const CHINESE = /[\u4e00-\u9fff]/;
const sample = (word: unknown) => (typeof word === 'function' ? String(word(1, 'x')) : word);

const files = wordFiles(WEB);

test('the console has word files', () => {
  expect(files.length).toBeGreaterThanOrEqual(3);
});

describe.each(files.map((file) => [path.relative(WEB, file), file]))('%s', (_name, file) => {
  test('every word is in Chinese and English, none empty, no Chinese in the English', async () => {
    const isWords = (value: unknown): value is { zh: Record<string, unknown>; en: Record<string, unknown> } =>
      typeof value === 'object' && value !== null && 'zh' in value && 'en' in value;
    const dictionaries = Object.values(await import(file)).filter(isWords);
    expect(dictionaries.length).toBeGreaterThan(0);
    for (const { zh, en } of dictionaries) {
      expect(Object.keys(en).sort()).toEqual(Object.keys(zh).sort());
      for (const key of Object.keys(zh)) {
        expect([key, typeof sample(zh[key]), (sample(zh[key]) as string).length > 0]).toEqual([key, 'string', true]);
        expect([key, CHINESE.test(sample(en[key]) as string)]).toEqual([key, false]);
      }
    }
  });
});
