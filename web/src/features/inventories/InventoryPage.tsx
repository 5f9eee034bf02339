import { FilePdfOutlined } from '@ant-design/icons';
import { Button, Card, Col, Flex, Popconfirm, Row, Spin, Statistic, Tag, Typography } from 'antd';
import { Link, useParams } from 'react-router';
import { ItemLink } from '../../components/ItemLink';
import { ProblemAlert } from '../../components/ProblemAlert';
import { formatTime } from '../../lib/format';
import { useLang, useWords } from '../../lib/i18n';
import { hasRole, useMe } from '../../lib/session';
import { tones } from '../../lib/tones';
import { useCloseInventory, useInventory } from './api';
import { words } from './words';

/** Codes of items, each linking to its page; or, `asRead`, codes as scanned that name no item here. */
function Codes({ title, codes, asRead }: { title: string; codes: string[]; asRead?: boolean }) {
  if (codes.length === 0) return null;
  return (
    <Card size="small" title={title}>
      <Flex gap={6} wrap>
        {codes.map((code) =>
          asRead ? (
            <Typography.Text key={code} code>
              {code}
            </Typography.Text>
          ) : (
            <ItemLink key={code} code={code} />
          ),
        )}
      </Flex>
    </Card>
  );
}

/** One inventory: its counts filling in while it is open; what it found once closed; its report. */
export default function InventoryPage() {
  const { id = '' } = useParams();
  const w = useWords(words);
  const { lang } = useLang();
  const me = useMe().data;
  const inventory = useInventory(id);
  const close = useCloseInventory(id);
  if (inventory.isPending) return <Spin />;
  if (inventory.error) return <ProblemAlert error={inventory.error} />;
  const a = inventory.data;
  const open = a.status === 'open';
  const figures = [
    ['expected', a.expected],
    ['scanned', a.scanned],
    ['found', a.counts.found],
    ['mislocated', a.counts.mislocated],
    ['unknown', a.counts.unknown],
    [open ? 'notSeen' : 'missing', a.counts.notSeen],
  ] as const;
  return (
    <Flex vertical gap={16} style={{ maxWidth: 1100 }}>
      <div>
        <Link to="/inventories">{w.back}</Link>
        <Flex gap={8} align="center" wrap>
          <Typography.Title level={1} style={{ fontSize: 22, margin: 0 }}>
            {w.inventoryOf(a.locationCode)}
          </Typography.Title>
          <Tag style={open ? tones.gold : undefined}>{w[`status_${a.status}`]}</Tag>
          <Typography.Text type="secondary">
            {w[`kind_${a.kind}`]} · {formatTime(a.startedAt, lang)}
          </Typography.Text>
        </Flex>
        {open && <Typography.Text type="secondary">{w.live}</Typography.Text>}
      </div>
      <Card>
        <Row gutter={[16, 16]} data-testid="inventory-counts">
          {figures.map(([name, value]) => (
            <Col key={name} xs={12} sm={8} md={4} data-testid={`count-${name}`}>
              <Statistic title={w[name]} value={value} />
            </Col>
          ))}
        </Row>
      </Card>
      <Flex gap={8} wrap>
        {open && hasRole(me, 'warehouse') && (
          <Popconfirm title={w.closeConfirm} onConfirm={() => close.mutate()} okText={w.close}>
            <Button danger loading={close.isPending}>
              {w.close}
            </Button>
          </Popconfirm>
        )}
        {!open && (
          <Button icon={<FilePdfOutlined />} href={`/api/v1/audits/${a.id}/report.pdf?lang=${lang}`} target="_blank">
            {w.report}
          </Button>
        )}
      </Flex>
      {close.error && <ProblemAlert error={close.error} />}
      {a.result && (
        <Flex vertical gap={12}>
          <Codes title={w.missing} codes={a.result.missing} />
          {a.result.mislocated.length > 0 && (
            <Card size="small" title={w.mislocated}>
              {a.result.mislocated.map((m) => (
                <div key={m.code}>
                  <ItemLink code={m.code} /> {w.recordedSeen(m.recorded ?? '—', m.seen ?? '—')}
                </div>
              ))}
            </Card>
          )}
          <Codes title={w.unknown} codes={a.result.unknown} asRead />
        </Flex>
      )}
    </Flex>
  );
}
