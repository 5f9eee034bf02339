import { Alert, Button, Card, Col, Empty, Flex, Modal, Row, Spin, Tag, Typography } from 'antd';
import dayjs from 'dayjs';
import { useState } from 'react';
import { Link } from 'react-router';
import { ItemLink } from '../../components/ItemLink';
import { PageTitle } from '../../components/PageTitle';
import { ProblemAlert } from '../../components/ProblemAlert';
import { formatTime } from '../../lib/format';
import { useLang, useWords } from '../../lib/i18n';
import { hasRole, useMe } from '../../lib/session';
import { tones } from '../../lib/tones';
import { useLockers, useUnlock, type Compartment, type Locker } from './api';
import { words } from './words';

type W = typeof words.zh;
// The server's default: long enough to walk to the locker's back, short enough that a forgotten one is spent.
const UNLOCK_SECONDS = 60;
const WARNING = '#a8071a';

const kindWord = (w: W, kind: string) => {
  const word = (w as Record<string, unknown>)[`kind_${kind}`];
  return typeof word === 'string' ? word : kind;
};

/** Open alerts, each in words, and the way to the page where they are dealt with. */
function OpenAlerts({ alerts, title }: { alerts: Locker['alerts']; title: string }) {
  const w = useWords(words);
  if (alerts.length === 0) return null;
  return (
    <Alert
      type="error"
      showIcon
      data-testid="open-alerts"
      aria-label={title}
      title={
        <Flex vertical gap={4}>
          {alerts.map((a) => (
            <div key={a.id}>
              <Typography.Text strong>{kindWord(w, a.kind)}</Typography.Text> {a.message}
            </div>
          ))}
          <Link to="/alerts">{w.toAlerts}</Link>
        </Flex>
      }
    />
  );
}

function Door({ label, door }: { label: string; door: Compartment['frontDoor'] }) {
  const w = useWords(words);
  return (
    <span>
      {label}{' '}
      {door ? (
        <Tag style={door.state === 'open' ? tones.red : undefined}>
          {door.state === 'open' ? w.doorOpen : w.doorClosed}
        </Tag>
      ) : (
        <Typography.Text type="secondary">{w.doorUnknown}</Typography.Text>
      )}
    </span>
  );
}

function Temperature({ compartment: c }: { compartment: Compartment }) {
  const w = useWords(words);
  const t = c.reading?.temperature;
  return (
    <Flex gap={6} wrap align="center" data-testid="temperature">
      <span>{w.temperature}</span>
      {t == null ? (
        <Typography.Text type="secondary">{w.noReading}</Typography.Text>
      ) : (
        <Typography.Text strong style={c.temperatureOutOfRange ? { color: WARNING } : undefined}>
          {t} °C
        </Typography.Text>
      )}
      {c.temperatureOutOfRange && <Tag style={tones.red}>{w.outOfRange}</Tag>}
      {c.coldRange && (
        <Typography.Text type="secondary">{w.coldRange(c.coldRange.min, c.coldRange.max)}</Typography.Text>
      )}
      {c.reading?.humidity != null && (
        <Typography.Text type="secondary">{w.humidity(c.reading.humidity)}</Typography.Text>
      )}
    </Flex>
  );
}

function CompartmentCard({
  compartment: c,
  onUnlock,
}: {
  compartment: Compartment;
  /** Offered to warehouse staff only. */
  onUnlock?: () => void;
}) {
  const w = useWords(words);
  const { lang } = useLang();
  const occupancy = c.occupancy ? (c.occupancy.occupied ? w.occupied : w.empty) : w.occupancyUnknown;
  return (
    <Card
      size="small"
      data-testid="compartment"
      data-code={c.code}
      style={c.alerts.length || c.temperatureOutOfRange ? { borderColor: WARNING } : undefined}
      title={
        <Typography.Title level={3} style={{ fontSize: 15, margin: 0 }}>
          {c.code} <Typography.Text type="secondary">{c.name}</Typography.Text>
        </Typography.Title>
      }
      extra={
        onUnlock && (
          <Button size="small" onClick={onUnlock}>
            {w.unlock}
          </Button>
        )
      }
    >
      <Flex vertical gap={8}>
        <Flex gap={8} wrap align="center">
          <Tag data-testid="occupancy" style={c.occupancy?.occupied ? tones.blue : undefined}>
            {occupancy}
          </Tag>
          <Door label={w.frontDoor} door={c.frontDoor} />
          <Door label={w.backDoor} door={c.backDoor} />
        </Flex>
        <Temperature compartment={c} />
        <Typography.Text type="secondary">
          {c.reportedAt ? w.reportedAt(formatTime(c.reportedAt, lang)) : w.notReported}
        </Typography.Text>
        <div data-testid="items">
          <Typography.Text>{w.items}</Typography.Text>
          {c.items.length === 0 ? (
            <Typography.Text type="secondary"> {w.noItems}</Typography.Text>
          ) : (
            <ul style={{ margin: '4px 0 0', paddingInlineStart: 18 }}>
              {c.items.map((item) => (
                <li key={item.code}>
                  <ItemLink code={item.code} /> <Typography.Text type="secondary">{item.description}</Typography.Text>
                </li>
              ))}
            </ul>
          )}
        </div>
        <OpenAlerts alerts={c.alerts} title={w.alerts} />
      </Flex>
    </Card>
  );
}

/** Asks before sending the unlock command, then says until when it is valid. */
function UnlockDialog({
  target,
  onClose,
}: {
  target: { locker: Locker; compartment: Compartment } | undefined;
  onClose: () => void;
}) {
  const w = useWords(words);
  const unlock = useUnlock();
  const close = () => {
    unlock.reset();
    onClose();
  };
  const sent = unlock.data;
  return (
    <Modal
      open={!!target}
      title={target && w.unlockTitle(target.compartment.code)}
      onCancel={close}
      destroyOnHidden
      footer={
        <Flex gap={8} justify="end">
          <Button onClick={close}>{sent ? w.close : w.cancel}</Button>
          {!sent && (
            <Button
              type="primary"
              loading={unlock.isPending}
              onClick={() =>
                target &&
                unlock.mutate({
                  deviceId: target.locker.deviceId,
                  code: target.compartment.code,
                  ttlSeconds: UNLOCK_SECONDS,
                })
              }
            >
              {w.unlockSend}
            </Button>
          )}
        </Flex>
      }
    >
      {sent ? (
        <Alert
          type="success"
          showIcon
          role="status"
          data-testid="unlock-sent"
          title={w.unlockSent(dayjs(sent.expiresAt).format('HH:mm:ss'))}
          description={w.unlockAfter}
        />
      ) : (
        <p>{w.unlockExplain(UNLOCK_SECONDS)}</p>
      )}
      {unlock.error && <ProblemAlert error={unlock.error} />}
    </Modal>
  );
}

function LockerCard({ locker, onUnlock }: { locker: Locker; onUnlock?: (c: Compartment) => void }) {
  const w = useWords(words);
  const { lang } = useLang();
  return (
    // Its heading is in the body, not the card's title, which cuts a long line short instead of wrapping it.
    <Card data-testid="locker" data-code={locker.code}>
      <Flex vertical gap={12}>
        <Flex gap={8} align="baseline" wrap>
          <Typography.Title level={2} style={{ fontSize: 18, margin: 0 }}>
            {locker.code}
          </Typography.Title>
          {locker.location && <Typography.Text type="secondary">{locker.location.name}</Typography.Text>}
          <Tag data-testid="presence" style={{ ...(locker.online ? tones.green : tones.red), marginInlineStart: 8 }}>
            {locker.online ? w.online : w.offline}
          </Tag>
          <Typography.Text type="secondary">
            {locker.lastSeenAt ? w.lastHeard(formatTime(locker.lastSeenAt, lang)) : w.neverHeard}
          </Typography.Text>
        </Flex>
        <OpenAlerts alerts={locker.alerts} title={w.lockerAlerts} />
        {locker.compartments.length === 0 ? (
          <Typography.Text type="secondary">{w.noCompartments}</Typography.Text>
        ) : (
          <Row gutter={[12, 12]}>
            {locker.compartments.map((c) => (
              <Col key={c.code} xs={24} sm={12} lg={8} xxl={6}>
                <CompartmentCard compartment={c} onUnlock={onUnlock && (() => onUnlock(c))} />
              </Col>
            ))}
          </Row>
        )}
      </Flex>
    </Card>
  );
}

/** The centre's lockers: what each compartment last reported, what is inside, its alerts; unlocking for retrieval. */
export default function LockersPage() {
  const w = useWords(words);
  const me = useMe().data;
  const lockers = useLockers();
  const [unlocking, setUnlocking] = useState<{ locker: Locker; compartment: Compartment }>();
  const mayUnlock = hasRole(me, 'warehouse');
  return (
    <Flex vertical gap={16}>
      <PageTitle title={w.title} subtitle={w.subtitle} />
      {lockers.error && <ProblemAlert error={lockers.error} />}
      {lockers.isPending ? (
        <Spin />
      ) : lockers.data?.items.length === 0 ? (
        <Empty description={w.none} />
      ) : (
        lockers.data?.items.map((locker) => (
          <LockerCard
            key={locker.deviceId}
            locker={locker}
            onUnlock={mayUnlock ? (compartment) => setUnlocking({ locker, compartment }) : undefined}
          />
        ))
      )}
      <UnlockDialog target={unlocking} onClose={() => setUnlocking(undefined)} />
    </Flex>
  );
}
