import { mountVerifier } from './app';
import type { Lang } from './words';

// The downloadable file: the verifier alone, in the language of the browser until the user switches.
const start = (lang: Lang) =>
  mountVerifier(document.getElementById('verifier')!, { lang, onLang: (next) => start(next) });
start(navigator.language.startsWith('zh') ? 'zh' : 'en');
