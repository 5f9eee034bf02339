import { formatItemCode } from '../../src/custody/items/item-code-rules';
import { parsePublicKey, type PublicKey } from '../../src/verifier/note';
import { verifyBundle, type BundleCheck, type ProofBundle } from '../../src/verifier/verify-bundle';
import { bundleFromPdf } from './pdf';
import { WORDS, type Lang, type VerifierWords } from './words';

type Child = Node | string | false | undefined;

function h(tag: string, props: Record<string, string> = {}, ...children: Child[]): HTMLElement {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) el.setAttribute(name, value);
  for (const child of children) if (child) el.append(child);
  return el;
}

const isPdf = (bytes: Uint8Array) => new TextDecoder('latin1').decode(bytes.subarray(0, 5)) === '%PDF-';

/** The bundle in a file: attached to a history report, or the file itself. */
async function readBundle(file: File, w: VerifierWords): Promise<ProofBundle> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  if (isPdf(bytes)) {
    const bundle = await bundleFromPdf(bytes);
    if (!bundle) throw new Error(w.noBundle);
    return bundle;
  }
  try {
    return JSON.parse(new TextDecoder().decode(bytes)) as ProofBundle;
  } catch {
    throw new Error(w.notJson);
  }
}

async function readKeys(text: string, w: VerifierWords): Promise<PublicKey[]> {
  try {
    return await Promise.all(
      text
        .split('\n')
        .filter((line) => line.trim())
        .map(parsePublicKey),
    );
  } catch (err) {
    throw new Error(`${w.badKey}: ${(err as Error).message}`, { cause: err });
  }
}

function report(check: BundleCheck, bundle: ProofBundle, w: VerifierWords, lang: Lang): HTMLElement {
  const time = (seconds: number) => new Date(seconds * 1000).toLocaleString(lang === 'zh' ? 'zh-CN' : 'en-GB');
  const stepName = (step: string) => (w as Record<string, unknown>)[`step_${step}`] as string | undefined;
  return h(
    'div',
    { 'data-testid': 'verdict', 'data-ok': String(check.ok) },
    h(
      'p',
      { class: check.ok ? 'verdict ok' : 'verdict bad', role: 'status' },
      check.ok ? w.verified(formatItemCode(bundle.itemCode), bundle.events.length) : w.failed,
    ),
    h('h2', {}, w.steps),
    h(
      'ol',
      { class: 'steps' },
      ...check.steps.map((s) =>
        h(
          'li',
          { class: s.ok ? 'ok' : 'bad', 'data-step': s.step },
          h('strong', {}, `${s.ok ? '✓' : '✗'} ${stepName(s.step) ?? s.step}`),
          ': ',
          s.detail,
        ),
      ),
      ...check.cosignedBy.map((c) => h('li', { class: 'ok' }, `✓ ${w.cosigned(c.name, time(c.time))}`)),
    ),
    check.events.length > 0 &&
      h(
        'details',
        {},
        h('summary', {}, w.leafHashes),
        h(
          'ol',
          { class: 'hashes' },
          ...check.events.map((e) => h('li', {}, h('code', {}, `#${e.index} ${e.leafHash}`))),
        ),
      ),
  );
}

export interface VerifierOptions {
  lang: Lang;
  /** The log key to start with: the console's own; empty in the offline file. */
  logKey?: string;
  /** Where the offline file can be downloaded from, when there is one. */
  downloadHref?: string;
  /** Offered when set: a language switch, for the offline file that has no console around it. */
  onLang?: (lang: Lang) => void;
}

/**
 * The verifier's page: a file (history PDF or proof bundle), the pinned log key, optional witness keys;
 * everything is checked here, in the browser, with WebCrypto. Plain DOM, so that the same page runs in the
 * console and as one HTML file opened from disk.
 */
export function mountVerifier(root: HTMLElement, options: VerifierOptions): void {
  const { lang } = options;
  const w = WORDS[lang];
  const file = h('input', {
    type: 'file',
    id: 'verifier-file',
    accept: '.pdf,.json,application/pdf,application/json',
  }) as HTMLInputElement;
  const logKey = h('textarea', {
    id: 'verifier-key',
    rows: '2',
    spellcheck: 'false',
    'aria-describedby': 'verifier-key-hint',
  }) as HTMLTextAreaElement;
  logKey.value = options.logKey ?? '';
  const witnesses = h('textarea', { id: 'verifier-witnesses', rows: '2', spellcheck: 'false' }) as HTMLTextAreaElement;
  const button = h('button', { type: 'submit' }, w.check) as HTMLButtonElement;
  const result = h('div', { 'aria-live': 'polite' });
  const form = h(
    'form',
    {},
    h('label', { for: 'verifier-file' }, w.file),
    file,
    h('label', { for: 'verifier-key' }, w.logKey),
    logKey,
    h('p', { id: 'verifier-key-hint', class: 'hint' }, w.logKeyHint),
    h('label', { for: 'verifier-witnesses' }, w.witnessKeys),
    witnesses,
    h('div', {}, button),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void (async () => {
      result.replaceChildren(h('p', {}, w.checking));
      button.disabled = true;
      try {
        const chosen = file.files?.[0];
        if (!chosen) throw new Error(w.noFile);
        const [key] = await readKeys(logKey.value, w);
        if (!key) throw new Error(w.badKey);
        const bundle = await readBundle(chosen, w);
        const check = await verifyBundle(bundle, key, await readKeys(witnesses.value, w));
        result.replaceChildren(report(check, bundle, w, lang));
      } catch (err) {
        result.replaceChildren(
          h(
            'div',
            { 'data-testid': 'verdict', 'data-ok': 'false' },
            h('p', { class: 'verdict bad', role: 'alert' }, (err as Error).message),
          ),
        );
      } finally {
        button.disabled = false;
      }
    })();
  });
  const languageSwitch = options.onLang && h('button', { type: 'button', class: 'lang' }, w.language);
  languageSwitch?.addEventListener('click', () => options.onLang!(lang === 'zh' ? 'en' : 'zh'));
  root.replaceChildren(
    h(
      'main',
      { class: 'verifier', lang: lang === 'zh' ? 'zh-CN' : 'en' },
      languageSwitch,
      h('h1', {}, w.title),
      h('p', {}, w.intro),
      form,
      result,
      options.downloadHref &&
        h('p', {}, h('a', { href: options.downloadHref, download: 'custody-verifier.html' }, w.download)),
    ),
  );
}
