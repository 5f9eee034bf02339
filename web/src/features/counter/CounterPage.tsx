import { Alert, Button, Card, Col, Flex, Form, Input, Result, Row, Table, Typography, type InputRef } from 'antd';
import { useRef, useState } from 'react';
import { readItemCode } from '../../../../src/custody/items/item-code-rules';
import { ItemCode } from '../../components/ItemCode';
import { ProblemAlert } from '../../components/ProblemAlert';
import { formatItemCode } from '../../lib/format';
import { useLang, useWords } from '../../lib/i18n';
import { Problem } from '../../lib/problem';
import { useMe } from '../../lib/session';
import { common } from '../../lib/words';
import { lookUpItem, receiptUrl, useAwaitingItems, useHandOver, type CounterItem, type Handover } from './api';
import { SignatureField, type SignatureHandle } from './SignatureField';
import { words } from './words';

type Words = typeof words.zh;
type Feedback = { kind: 'success' | 'error'; text: string } | null;
interface OfficerFields {
  username: string;
  password: string;
  note?: string;
}

/** Read by screen readers, not shown: the header of the column of remove buttons. */
const VISUALLY_HIDDEN = {
  position: 'absolute',
  width: 1,
  height: 1,
  overflow: 'hidden',
  clip: 'rect(0 0 0 0)',
  whiteSpace: 'nowrap',
} as const;

/** Why a scanned or typed code is no item code, in the clerk's words; null when it reads as one. */
function codeRefusal(w: Words, input: string): { code: string } | { reason: string } {
  const reading = readItemCode(input);
  if (reading.ok) return { code: reading.code };
  if (reading.reason === 'length') return { reason: w.badLength(reading.length) };
  if (reading.reason === 'character') return { reason: w.badCharacter(reading.character) };
  return { reason: w.badCheck };
}

/**
 * The counter (交接): the warehouse user takes the items an officer brings, by scanner or by picking them; the
 * officer confirms on the same screen with their own password, which the page sends once and forgets; both
 * may sign. The receipt opens at the end.
 */
export default function CounterPage() {
  const w = useWords(words);
  const c = useWords(common);
  const { lang } = useLang();
  const { data: me } = useMe();
  const [form] = Form.useForm<OfficerFields>();
  const [batch, setBatch] = useState<CounterItem[]>([]);
  const [feedback, setFeedback] = useState<Feedback>(null);
  const [scan, setScan] = useState('');
  const [search, setSearch] = useState('');
  const [done, setDone] = useState<Handover | null>(null);
  const scanInput = useRef<InputRef>(null);
  const officerPad = useRef<SignatureHandle>(null);
  const receiverPad = useRef<SignatureHandle>(null);
  // Codes on the list or being looked up: a scanner can send the next code before the last answer is back.
  const taken = useRef(new Set<string>());
  const awaiting = useAwaitingItems(search);
  const handOver = useHandOver();

  const refocus = () => setTimeout(() => scanInput.current?.focus(), 0);

  const add = (item: CounterItem) => {
    setBatch((list) => (list.some((i) => i.code === item.code) ? list : [...list, item]));
    setFeedback({ kind: 'success', text: w.added(item.description) });
  };

  const onScan = async (typed: string) => {
    setScan('');
    refocus();
    if (!typed.trim()) return;
    const read = codeRefusal(w, typed.trim());
    if ('reason' in read) return setFeedback({ kind: 'error', text: read.reason });
    if (taken.current.has(read.code))
      return setFeedback({ kind: 'error', text: w.duplicate(formatItemCode(read.code)) });
    taken.current.add(read.code);
    try {
      const item = await lookUpItem(read.code);
      if (item.state !== 'registered') {
        taken.current.delete(read.code);
        return setFeedback({ kind: 'error', text: w.notAwaiting(c[`state_${item.state}`]) });
      }
      add(item);
    } catch (err) {
      taken.current.delete(read.code);
      setFeedback({ kind: 'error', text: err instanceof Problem ? err.body.detail : String(err) });
    }
  };

  const onPick = (code: string) => {
    const item = awaiting.data?.items.find((i) => i.code === code);
    setSearch('');
    refocus();
    if (!item || taken.current.has(code)) return;
    taken.current.add(code);
    add(item as CounterItem);
  };

  const remove = (code: string) => {
    taken.current.delete(code);
    setBatch((list) => list.filter((i) => i.code !== code));
    refocus();
  };

  const submit = (fields: OfficerFields) => {
    if (batch.length === 0) return setFeedback({ kind: 'error', text: w.needItems });
    const [officerPng, receiverPng] = [officerPad.current?.png(), receiverPad.current?.png()];
    const signatures = {
      ...(officerPng && { handedOverBy: officerPng }),
      ...(receiverPng && { receivedBy: receiverPng }),
    };
    handOver.mutate(
      {
        itemCodes: batch.map((i) => i.code),
        handedOverBy: { username: fields.username.trim(), password: fields.password },
        ...(fields.note?.trim() && { note: fields.note.trim() }),
        ...(Object.keys(signatures).length > 0 && { signatures }),
      },
      {
        onSuccess: (handover) => {
          setDone(handover);
          window.open(receiptUrl(handover.id, lang), '_blank', 'noopener');
        },
      },
    );
    // The officer's password is sent once and never kept: the field is emptied as soon as it has gone.
    form.setFieldValue('password', '');
  };

  const startOver = () => {
    setDone(null);
    setBatch([]);
    setFeedback(null);
    taken.current.clear();
    handOver.reset();
    form.resetFields();
    refocus();
  };

  if (done) {
    return (
      <Result
        status="success"
        title={<h1 style={{ fontSize: 22, margin: 0 }}>{w.doneTitle}</h1>}
        subTitle={w.doneDetail(done.items.length, done.fromUser.displayName)}
        extra={[
          <Button
            key="receipt"
            type="primary"
            href={receiptUrl(done.id, lang)}
            target="_blank"
            rel="noopener"
            data-testid="receipt-link"
          >
            {w.openReceipt}
          </Button>,
          <Button key="next" onClick={startOver} autoFocus>
            {w.nextHandover}
          </Button>,
        ]}
      />
    );
  }

  const pickOptions = (awaiting.data?.items ?? []).filter((i) => !batch.some((b) => b.code === i.code));

  return (
    <Flex vertical gap={16}>
      <div>
        <Typography.Title level={1} style={{ fontSize: 22, marginBottom: 4 }}>
          {w.title}
        </Typography.Title>
        <Typography.Text type="secondary">{w.subtitle}</Typography.Text>
      </div>
      <Row gutter={[16, 16]}>
        <Col xs={24} lg={14}>
          <Card title={<h2 style={{ fontSize: 16, margin: 0 }}>{w.itemsTitle}</h2>}>
            <Flex vertical gap={12}>
              <div>
                <label htmlFor="counter-scan" style={{ display: 'block', marginBottom: 4, fontWeight: 500 }}>
                  {w.scanLabel}
                </label>
                <Input
                  id="counter-scan"
                  ref={scanInput}
                  size="large"
                  autoFocus
                  autoComplete="off"
                  spellCheck={false}
                  placeholder={w.scanPlaceholder}
                  value={scan}
                  onChange={(e) => setScan(e.target.value)}
                  onPressEnter={() => void onScan(scan)}
                  style={{ fontFamily: 'monospace' }}
                />
              </div>
              <div aria-live="polite" data-testid="scan-feedback">
                {feedback && (
                  <Alert
                    type={feedback.kind}
                    showIcon
                    title={feedback.text}
                    role={feedback.kind === 'error' ? 'alert' : 'status'}
                  />
                )}
              </div>
              <div>
                <label htmlFor="counter-pick" style={{ display: 'block', marginBottom: 4, fontWeight: 500 }}>
                  {w.pickLabel}
                </label>
                <Input
                  id="counter-pick"
                  type="search"
                  allowClear
                  autoComplete="off"
                  placeholder={w.pickPlaceholder}
                  value={search}
                  onChange={(e) => setSearch(e.target.value)}
                />
                {search.trim() && (
                  <ul aria-label={w.pickResults} style={{ listStyle: 'none', margin: '8px 0 0', padding: 0 }}>
                    {pickOptions.length === 0 && !awaiting.isFetching && (
                      <li style={{ color: '#595959', padding: '4px 0' }}>{w.noMatch}</li>
                    )}
                    {pickOptions.slice(0, 8).map((i) => (
                      <li
                        key={i.code}
                        style={{
                          display: 'flex',
                          gap: 8,
                          alignItems: 'center',
                          padding: '4px 0',
                          borderBottom: '1px solid #f0f0f0',
                        }}
                      >
                        <ItemCode code={i.code} />
                        <span style={{ flex: 1, minWidth: 0 }}>
                          {i.caseNumber} #{i.itemNo} · {c[`category_${i.category}`]} · {i.description}
                        </span>
                        <Button size="small" aria-label={w.addItem(i.description)} onClick={() => onPick(i.code)}>
                          {w.add}
                        </Button>
                      </li>
                    ))}
                  </ul>
                )}
              </div>
              <Table<CounterItem>
                rowKey="code"
                size="small"
                dataSource={batch}
                pagination={false}
                scroll={{ x: 'max-content' }}
                locale={{ emptyText: <span style={{ color: '#595959' }}>{w.noneYet}</span> }}
                footer={() => w.count(batch.length)}
                columns={[
                  { key: 'code', title: w.code, render: (_, i) => <ItemCode code={i.code} /> },
                  { key: 'case', title: w.caseItem, render: (_, i) => `${i.caseNumber} #${i.itemNo}` },
                  { key: 'category', title: w.category, render: (_, i) => c[`category_${i.category}`] },
                  { key: 'description', title: w.description, dataIndex: 'description' },
                  {
                    key: 'remove',
                    title: <span style={VISUALLY_HIDDEN}>{w.remove}</span>,
                    render: (_, i) => (
                      <Button
                        size="small"
                        aria-label={w.removeItem(formatItemCode(i.code))}
                        onClick={() => remove(i.code)}
                      >
                        {w.remove}
                      </Button>
                    ),
                  },
                ]}
              />
            </Flex>
          </Card>
        </Col>
        <Col xs={24} lg={10}>
          <Card title={<h2 style={{ fontSize: 16, margin: 0 }}>{w.officerTitle}</h2>}>
            <Form<OfficerFields>
              form={form}
              layout="vertical"
              requiredMark={false}
              onFinish={submit}
              autoComplete="off"
            >
              <Typography.Paragraph type="secondary">{w.officerHint}</Typography.Paragraph>
              <Form.Item name="username" label={w.officerUsername} rules={[{ required: true, message: w.required }]}>
                <Input autoComplete="off" spellCheck={false} />
              </Form.Item>
              <Form.Item name="password" label={w.officerPassword} rules={[{ required: true, message: w.required }]}>
                {/* new-password: the browser neither fills in nor offers to save the signed-in user's own. */}
                <Input.Password autoComplete="new-password" visibilityToggle={false} />
              </Form.Item>
              <Form.Item name="note" label={w.note}>
                <Input.TextArea rows={2} maxLength={1000} />
              </Form.Item>
              <Typography.Title level={3} style={{ fontSize: 15 }}>
                {w.signaturesTitle}
              </Typography.Title>
              <Flex wrap gap={16} style={{ marginBottom: 16 }}>
                <SignatureField label={w.officerSignature} handle={officerPad} />
                <SignatureField label={w.receiverSignature(me?.displayName ?? '')} handle={receiverPad} />
              </Flex>
              {handOver.error && (
                <div style={{ marginBottom: 16 }}>
                  <ProblemAlert error={handOver.error} />
                </div>
              )}
              <Button type="primary" htmlType="submit" size="large" block loading={handOver.isPending}>
                {w.submit}
              </Button>
            </Form>
          </Card>
        </Col>
      </Row>
    </Flex>
  );
}
