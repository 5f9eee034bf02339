import { visibleText } from '../custody/unsafe-text';
import type { LabelContent, LabelSize } from './labels';

const DOTS_PER_MM = 8; // 203 dpi, the common Zebra resolution
const SIZES_MM: Record<Exclude<LabelSize, 'a4'>, [number, number]> = { '100x50mm': [100, 50], '2x1in': [50.8, 25.4] };
/** A CJK font must be stored on the printer under this name for Chinese text (see README). */
export const ZPL_CJK_FONT = 'E:NOTOSANSSC.TTF';

// ^ and ~ begin ZPL commands: a text holding them would end its field and print as other fields.
// Control characters are shown as their code points, as on every label.
const escape = (text: string) => visibleText(text).replace(/[\^~\\]/g, ' ');

/** ZPL II for Zebra thermal printers: Code 128 and QR from the printer's own encoders, UTF-8 text (^CI28). */
export function renderZpl(labels: LabelContent[], size: Exclude<LabelSize, 'a4'>, copies = 1): string {
  const [wMm, hMm] = SIZES_MM[size];
  const w = Math.round(wMm * DOTS_PER_MM);
  const h = Math.round(hMm * DOTS_PER_MM);
  const margin = Math.round(h * 0.06);
  const barHeight = Math.round(h * 0.27);
  // 165 modules with the quiet zones for a 10-character code; the module is whole dots.
  const module = Math.max(1, Math.min(10, Math.floor((w - 2 * margin) / 165)));
  const codeSize = Math.round(h * 0.09);
  const top = margin + barHeight + Math.round(codeSize * 1.5);
  const qrMagnification = Math.max(1, Math.floor((h - top - margin) / 29));
  const lineHeight = Math.floor((h - top - margin) / 4);
  return labels
    .map((label) =>
      [
        '^XA^CI28',
        `^PW${w}^LL${h}`,
        `^FO${margin + 10 * module},${margin}^BY${module}^BCN,${barHeight},N,N,N^FD${escape(label.code)}^FS`,
        `^FO${margin},${margin + barHeight + 4}^FB${w - 2 * margin},1,0,C^A0N,${codeSize},${codeSize}^FD${escape(label.displayCode)}^FS`,
        `^FO${w - margin - 29 * qrMagnification},${top - 10}^BQN,2,${qrMagnification}^FDMA,${escape(label.code)}^FS`,
        ...label.lines
          .slice(0, 4)
          .map(
            (line, i) =>
              `^FO${margin},${top + i * lineHeight}^FB${w - 3 * margin - 29 * qrMagnification},1^A@N,${Math.round(lineHeight * 0.8)},${Math.round(lineHeight * 0.8)},${ZPL_CJK_FONT}^FD${escape(line)}^FS`,
          ),
        `^PQ${copies}`,
        '^XZ',
      ].join('\n'),
    )
    .join('\n');
}
