import type { ItemView } from '../custody/items/item-queries';
import type { Location } from '../custody/directory/location.entity';
import { categoryName, word, type Lang } from './i18n';
import type { LabelContent } from './labels';
import { formatItemCode } from '../custody/items/item-code';

/** An item's label: the lines are in priority order, so a small label that shortens them keeps the first. */
export function itemLabel(item: ItemView, lang: Lang): LabelContent {
  return {
    code: item.code,
    displayCode: formatItemCode(item.code),
    lines: [
      `${word('case', lang)} ${item.caseNumber} · ${word('item', lang, item.itemNo)}`,
      `${categoryName(item.category, lang)} · ${item.description}`,
      `${word('seized', lang)} ${item.seizedAt.slice(0, 10)} · ${word('seal', lang)} ${item.sealNumber ?? word('none', lang)}`,
      `${word('agency', lang)} ${item.owningAgencyCode}`,
    ],
  };
}

export function locationLabel(location: Location, lang: Lang): LabelContent {
  return {
    code: location.code,
    displayCode: location.code,
    lines: [location.name, `${word('location', lang)} · ${location.kind}`],
  };
}
