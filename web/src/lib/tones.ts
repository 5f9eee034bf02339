// Tag colours. They carry no meaning on their own (each tag says its state in words); their text is a shade
// dark enough for WCAG AA on its background, which Ant Design's preset tag colours are not.
export const tones = {
  gold: { color: '#874d00', background: '#fffbe6', borderColor: '#ffe58f' },
  blue: { color: '#003eb3', background: '#e6f4ff', borderColor: '#91caff' },
  red: { color: '#a8071a', background: '#fff1f0', borderColor: '#ffa39e' },
  green: { color: '#135200', background: '#f6ffed', borderColor: '#b7eb8f' },
};
