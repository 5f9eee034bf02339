import { BUNDLE_FORMAT, type ProofBundle } from '../../src/verifier/verify-bundle';

const latin1 = (bytes: Uint8Array) => new TextDecoder('latin1').decode(bytes);

async function inflate(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(new DecompressionStream('deflate'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

function asBundle(bytes: Uint8Array): ProofBundle | undefined {
  try {
    const value = JSON.parse(new TextDecoder().decode(bytes)) as ProofBundle;
    return value?.format === BUNDLE_FORMAT ? value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The proof bundle a history report carries as an attached file. Rather than parse the whole PDF, every
 * stream is read (inflated when its dictionary says FlateDecode) and the one that is a proof bundle is taken:
 * what it says is checked afterwards anyway, so finding it loosely costs no trust.
 */
export async function bundleFromPdf(pdf: Uint8Array): Promise<ProofBundle | undefined> {
  const text = latin1(pdf);
  const streams = /(?<!end)stream\r?\n/g;
  for (let match = streams.exec(text); match; match = streams.exec(text)) {
    const start = match.index + match[0].length;
    const end = text.indexOf('endstream', start);
    if (end < 0) break;
    const dictionary = text.slice(text.lastIndexOf(' obj', match.index), match.index);
    // The end-of-line before `endstream` is not data; a browser's inflater refuses anything after the end.
    const raw = pdf.subarray(start, end - (text[end - 2] === '\r' ? 2 : text[end - 1] === '\n' ? 1 : 0));
    const bytes = dictionary.includes('/FlateDecode') ? await inflate(raw).catch(() => undefined) : raw;
    const bundle = bytes && asBundle(bytes);
    if (bundle) return bundle;
    streams.lastIndex = end;
  }
  return undefined;
}
