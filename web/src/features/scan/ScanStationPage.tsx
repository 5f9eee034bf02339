import { CameraOutlined, StopOutlined } from '@ant-design/icons';
import { Button, Flex, Input, Radio, Spin, Typography, type InputRef } from 'antd';
import { lazy, Suspense, useCallback, useEffect, useRef, useState } from 'react';
import { formatItemCode } from '../../lib/format';
import { useWords } from '../../lib/i18n';
import { FixedScans } from './FixedScans';
import { ScanList, ScanResultPanel } from './ScanResults';
import { MODES, useScanStation, type AuditResult, type Place } from './station';
import { words } from './words';

// The decoder (and its WebAssembly) loads only when the camera is switched on, so the station opens small.
const Camera = lazy(() => import('./Camera'));
// The witness and loan dialog is fetched when first asked for: most scans never need it, and the station's first
// load stays small.
const ScanDialog = lazy(() => import('./ScanDialog').then((m) => ({ default: m.ScanDialog })));

const NOT_TYPED = new Set(['radio', 'checkbox', 'button', 'submit', 'reset', 'range', 'color', 'file']);

/** A field the user is typing in (the scan input aside), which keeping the focus must not take over. */
function isTypingField(el: Element | null): boolean {
  if (!el || el.id === 'scan-input') return false;
  if (el instanceof HTMLInputElement) return !NOT_TYPED.has(el.type);
  return el instanceof HTMLTextAreaElement || el instanceof HTMLSelectElement || (el as HTMLElement).isContentEditable;
}

/**
 * The field the scanner types into. Its text is its own state, so that a scan's keystrokes re-render this
 * field alone and not the station around it.
 */
function ScanInput({
  inputRef,
  onScan,
  onLostFocus,
}: {
  inputRef: React.Ref<InputRef>;
  onScan: (text: string) => void;
  onLostFocus: () => void;
}) {
  const [text, setText] = useState('');
  return (
    <Input
      id="scan-input"
      ref={inputRef}
      size="large"
      autoFocus
      autoComplete="off"
      autoCorrect="off"
      autoCapitalize="characters"
      spellCheck={false}
      aria-describedby="scan-input-help"
      value={text}
      onChange={(event) => setText(event.target.value)}
      onPressEnter={() => {
        setText('');
        onScan(text);
      }}
      onBlur={(event) => {
        if (!event.relatedTarget) onLostFocus();
      }}
      style={{ flex: '1 1 240px', fontSize: 22, fontFamily: 'monospace' }}
    />
  );
}

const placeText = (p: Place) => (p.name && p.name !== p.code ? `${p.code} · ${p.name}` : p.code);

function AuditSummary({ result }: { result: AuditResult }) {
  const w = useWords(words);
  const groups: [string, string[]][] = [
    [w.found, result.found.map(formatItemCode)],
    [w.missing, result.missing.map(formatItemCode)],
    [
      w.mislocated,
      (result.mislocated as { code: string; recorded: string | null; seen: string | null }[]).map(
        (m) => `${formatItemCode(m.code)} (${m.recorded ?? '—'} → ${m.seen ?? '—'})`,
      ),
    ],
    [w.unknown, result.unknown],
  ];
  return (
    <section aria-labelledby="audit-result" data-testid="audit-result" style={{ marginBottom: 16 }}>
      <Typography.Title level={2} id="audit-result" style={{ fontSize: 18 }}>
        {w.auditResult}
      </Typography.Title>
      <dl style={{ margin: 0 }}>
        {groups.map(([label, codes]) => (
          <div key={label} style={{ display: 'flex', gap: 8, flexWrap: 'wrap' }}>
            <dt style={{ fontWeight: 600 }}>
              {label} {codes.length}
            </dt>
            <dd style={{ margin: 0, fontFamily: 'monospace' }}>{codes.join(', ')}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}

export default function ScanStationPage() {
  const w = useWords(words);
  const station = useScanStation();
  const { mode, setMode, target, audit, auditResult, results, dialog, scan, closeAudit } = station;
  const input = useRef<InputRef>(null);
  const [camera, setCamera] = useState(false);
  const [dialogUsed, setDialogUsed] = useState(false);
  if (dialog && !dialogUsed) setDialogUsed(true);
  const dialogOpen = useRef(false);
  useEffect(() => {
    dialogOpen.current = !!dialog;
  }, [dialog]);

  const refocus = useCallback(() => {
    if (dialogOpen.current || isTypingField(document.activeElement)) return;
    input.current?.focus({ preventScroll: true });
  }, []);

  // The scanner types into whatever has the focus: the input takes it back after every click elsewhere, and a
  // character typed while a button has the focus (after Tab) goes to the input too. Tab itself still moves on.
  useEffect(() => {
    const onClick = () => setTimeout(refocus, 0);
    const onKey = (event: KeyboardEvent) => {
      if (event.key.length !== 1 || event.key === ' ' || event.ctrlKey || event.metaKey || event.altKey) return;
      refocus();
    };
    document.addEventListener('click', onClick);
    document.addEventListener('keydown', onKey, true);
    return () => {
      document.removeEventListener('click', onClick);
      document.removeEventListener('keydown', onKey, true);
    };
  }, [refocus]);

  const needsPlace = mode === 'checkIn' || mode === 'move' || mode === 'return';

  return (
    <div style={{ maxWidth: 960, margin: '0 auto' }}>
      <Typography.Title level={1} style={{ fontSize: 24, marginTop: 0 }}>
        {w.title}
      </Typography.Title>
      <Radio.Group
        aria-label={w.mode}
        optionType="button"
        buttonStyle="solid"
        size="large"
        value={mode}
        onChange={(event) => setMode(event.target.value)}
        options={MODES.map((m) => ({ value: m, label: w[`mode_${m}`] }))}
        style={{ display: 'flex', flexWrap: 'wrap', rowGap: 8 }}
      />
      <Typography.Paragraph style={{ marginTop: 12 }}>{w[`hint_${mode}`]}</Typography.Paragraph>

      {needsPlace && (
        <div data-testid="scan-target" style={{ fontSize: 16, marginBottom: 12 }}>
          <strong>{w.location}: </strong>
          {target ? placeText(target) : <Typography.Text type="secondary">{w.noLocation}</Typography.Text>}
        </div>
      )}
      {mode === 'inventory' && audit && (
        <Flex align="center" gap={12} wrap style={{ marginBottom: 12 }}>
          <span data-testid="audit-open" style={{ fontSize: 16 }}>
            {w.auditOpen(placeText(audit.place), audit.expected, audit.scanned)}
          </span>
          <Button onClick={() => void closeAudit()}>{w.closeAudit}</Button>
        </Flex>
      )}

      <label htmlFor="scan-input" style={{ display: 'block', fontWeight: 600, marginBottom: 4 }}>
        {w.input}
      </label>
      <Flex gap={8} wrap>
        <ScanInput inputRef={input} onScan={scan} onLostFocus={() => setTimeout(refocus, 0)} />
        <Button
          size="large"
          icon={camera ? <StopOutlined /> : <CameraOutlined />}
          onClick={() => setCamera((on) => !on)}
          aria-pressed={camera}
        >
          {camera ? w.cameraStop : w.camera}
        </Button>
      </Flex>
      <Typography.Text type="secondary" id="scan-input-help">
        {w.inputHelp}
      </Typography.Text>
      {camera && (
        <div style={{ marginTop: 12 }}>
          <Suspense fallback={<Spin />}>
            <Camera onCode={scan} />
          </Suspense>
        </div>
      )}

      <ScanResultPanel result={results[0]} />
      {mode === 'inventory' && auditResult && <AuditSummary result={auditResult} />}
      <ScanList results={results} />
      <FixedScans place={target} />
      {dialogUsed && (
        <Suspense fallback={null}>
          <ScanDialog
            request={dialog?.request}
            onAnswer={(answer) => dialog?.resolve(answer)}
            afterClose={() => input.current?.focus({ preventScroll: true })}
          />
        </Suspense>
      )}
    </div>
  );
}
