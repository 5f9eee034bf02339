import fs from 'node:fs';

/**
 * Noto Sans SC (SIL Open Font License), shipped through npm so that a fresh machine with no CJK fonts
 * installed still renders Chinese; pdfkit embeds only the glyphs a document uses.
 */
const FILES = {
  regular: '@expo-google-fonts/noto-sans-sc/400Regular/NotoSansSC_400Regular.ttf',
  bold: '@expo-google-fonts/noto-sans-sc/700Bold/NotoSansSC_700Bold.ttf',
} as const;

const cache = new Map<keyof typeof FILES, Buffer>();

/** The font file, read once per process (about 10 MB each). */
export function fontData(weight: keyof typeof FILES): Buffer {
  let data = cache.get(weight);
  if (!data) {
    data = fs.readFileSync(require.resolve(FILES[weight]));
    cache.set(weight, data);
  }
  return data;
}
