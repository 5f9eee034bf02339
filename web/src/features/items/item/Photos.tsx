import { Card, Image, Typography } from 'antd';
import { useWords } from '../../../lib/i18n';
import type { ItemEvent } from './data';
import { field } from './data';
import { words } from './words';

const PHOTO_TYPES = new Set(['image/jpeg', 'image/png']);

/** The photographs attached to the item (its attachment_added events), as thumbnails that open full size. */
export function Photos({ code, events }: { code: string; events: ItemEvent[] | undefined }) {
  const w = useWords(words);
  const photos = (events ?? [])
    .filter((e) => e.type === 'attachment_added' && PHOTO_TYPES.has(field(e, 'contentType') ?? ''))
    .map((e) => ({ id: field(e, 'attachmentId')!, name: field(e, 'filename') ?? '' }))
    .filter((p) => p.id);
  return (
    <Card title={<h2 style={{ fontSize: 16, margin: 0 }}>{w.photos}</h2>}>
      {photos.length === 0 ? (
        <Typography.Text type="secondary">{w.noPhotos}</Typography.Text>
      ) : (
        <Image.PreviewGroup>
          <div style={{ display: 'flex', flexWrap: 'wrap', gap: 8 }}>
            {photos.map((p, i) => (
              <Image
                key={p.id}
                width={96}
                height={96}
                style={{ objectFit: 'cover' }}
                src={`/api/v1/items/${encodeURIComponent(code)}/attachments/${p.id}`}
                alt={w.photoAlt(i + 1, p.name)}
              />
            ))}
          </div>
        </Image.PreviewGroup>
      )}
    </Card>
  );
}
