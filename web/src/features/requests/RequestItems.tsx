import { Flex, Image, List, Tag, Typography } from 'antd';
import { Link } from 'react-router';
import { ItemCode } from '../../components/ItemCode';
import { ProblemAlert } from '../../components/ProblemAlert';
import { formatItemCode } from '../../lib/format';
import { tones } from '../../lib/tones';
import { useWords } from '../../lib/i18n';
import { common } from '../../lib/words';
import { useRequestItems, type RequestItem } from './api';
import { words } from './words';

const THUMB = 64;

function Photo({ item }: { item: RequestItem }) {
  const w = useWords(words);
  const photo = item.photos[0];
  if (!photo) {
    return (
      <Flex
        align="center"
        justify="center"
        style={{ width: THUMB, height: THUMB, background: '#f0f0f0', fontSize: 12, textAlign: 'center' }}
      >
        <Typography.Text type="secondary">{w.noPhoto}</Typography.Text>
      </Flex>
    );
  }
  return (
    <Image
      width={THUMB}
      height={THUMB}
      style={{ objectFit: 'cover' }}
      alt={w.photoOf(formatItemCode(item.code))}
      src={`/api/v1/items/${encodeURIComponent(item.code)}/attachments/${photo.id}`}
    />
  );
}

/**
 * What a decision is about: each item the request names with its photograph, state, place and legal hold,
 * and its page (particulars and history) one click away.
 */
export function RequestItems({ codes }: { codes: string[] }) {
  const w = useWords(words);
  const c = useWords(common);
  const answers = useRequestItems(codes);
  const failed = answers.find((answer) => answer.error)?.error;
  if (failed) return <ProblemAlert error={failed} />;
  return (
    <List<RequestItem>
      size="small"
      loading={answers.some((answer) => answer.isPending)}
      dataSource={answers.flatMap((answer) => (answer.data ? [answer.data] : []))}
      renderItem={(item) => (
        <List.Item data-testid="request-item">
          <Flex gap={12} align="start" style={{ width: '100%' }}>
            <Photo item={item} />
            <Flex vertical gap={2} style={{ minWidth: 0 }}>
              <Flex gap={8} wrap align="center">
                <Link to={`/items/${item.code}`} aria-label={`${w.openHistory} ${formatItemCode(item.code)}`}>
                  <ItemCode code={item.code} />
                </Link>
                <Typography.Text>{c[`category_${item.category}`]}</Typography.Text>
                <Tag>{c[`state_${item.state}`]}</Tag>
                {item.legalHold && (
                  <Tag style={tones.red} data-testid="request-item-hold">
                    {w.onHold}: {item.holdReason}
                  </Tag>
                )}
              </Flex>
              <Typography.Text ellipsis>{item.description}</Typography.Text>
              <Typography.Text type="secondary">
                {w.place}: {item.locationCode ?? w.noPlace} · {item.caseNumber}
              </Typography.Text>
            </Flex>
          </Flex>
        </List.Item>
      )}
    />
  );
}
