/**
 * Passwords people choose most often, lower-case, without spaces. Small on purpose: the top of the lists
 * published from breaches (the UK NCSC's "100,000 most common passwords" and SecLists' most common
 * passwords), as remembered, not copied from a breach corpus, plus the words of this domain and the
 * Chinese favourites (pinyin and number codes). The policy also strips digits and symbols from the ends
 * before it looks here, so `password1234` and `!!iloveyou` are found through `password` and `iloveyou`;
 * sequences and repetitions are refused by rule, not listed.
 */
export const COMMON_PASSWORDS: ReadonlySet<string> = new Set(
  `
  password passw0rd p@ssw0rd p@ssword password1 passwort motdepasse contrasena
  iloveyou loveyou lovely trustno1 letmein welcome welcome1 changeme secret default
  admin administrator root guest user login master superman batman spiderman
  dragon monkey shadow sunshine princess football baseball soccer hockey jordan
  michael charlie freedom whatever starwars pokemon computer internet
  mustang ferrari access hello hellokitty flower summer winter autumn spring
  qazwsx qwerty qwertz azerty asdfgh zxcvbn zxcvbnm 1q2w3e4r 1q2w3e4r5t 1qaz2wsx 1qaz2wsx3edc
  qweasdzxc zaq12wsx q1w2e3r4 a1b2c3d4 abc123 aa123456 asd123 qwe123
  correcthorsebatterystaple thequickbrownfox
  woaini woaini1314 aini1314 5201314 1314520 woaiwojia zhangwei wangwei liuwei
  nihao nihao123 mima mimamima
  custody evidence warehouse police officer court procuratorate inspector
  `
    .trim()
    .split(/\s+/),
);
