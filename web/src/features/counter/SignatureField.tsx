import { Button, Flex, Tag, Typography } from 'antd';
import SignaturePad from 'signature_pad';
import { useEffect, useId, useImperativeHandle, useRef, useState, type Ref } from 'react';
import { useWords } from '../../lib/i18n';
import { words } from './words';

/** What the page reads of a pad when the hand-over is sent: the drawing as a PNG data URL, or nothing. */
export interface SignatureHandle {
  png(): string | undefined;
  clear(): void;
}

const HEIGHT = 160;

/**
 * A signature pad (signature_pad on a canvas) with its label and a clear button. Signing is optional: an
 * untouched pad gives nothing. The canvas is sized to its box at the screen's pixel ratio, so the stroke
 * stays sharp; resizing the window clears it (the library's advice: the drawing would be distorted).
 */
export function SignatureField({ label, handle }: { label: string; handle: Ref<SignatureHandle> }) {
  const w = useWords(words);
  const canvas = useRef<HTMLCanvasElement>(null);
  const pad = useRef<SignaturePad>(null);
  const [signed, setSigned] = useState(false);
  const hintId = useId();

  useEffect(() => {
    const element = canvas.current!;
    const signaturePad = new SignaturePad(element, { penColor: 'rgb(10, 20, 80)', minWidth: 0.8, maxWidth: 2.6 });
    pad.current = signaturePad;
    const fit = () => {
      const ratio = Math.max(window.devicePixelRatio || 1, 1);
      element.width = element.offsetWidth * ratio;
      element.height = element.offsetHeight * ratio;
      element.getContext('2d')!.scale(ratio, ratio);
      signaturePad.clear();
      setSigned(false);
    };
    fit();
    const onEnd = () => setSigned(!signaturePad.isEmpty());
    signaturePad.addEventListener('endStroke', onEnd);
    window.addEventListener('resize', fit);
    return () => {
      window.removeEventListener('resize', fit);
      signaturePad.removeEventListener('endStroke', onEnd);
      signaturePad.off();
    };
  }, []);

  useImperativeHandle(
    handle,
    () => ({
      png: () => (pad.current && !pad.current.isEmpty() ? pad.current.toDataURL('image/png') : undefined),
      clear: () => {
        pad.current?.clear();
        setSigned(false);
      },
    }),
    [],
  );

  return (
    <Flex vertical gap={4} style={{ flex: '1 1 280px', minWidth: 0 }}>
      <Flex justify="space-between" align="center" gap={8}>
        <Typography.Text strong>{label}</Typography.Text>
        <Flex gap={8} align="center">
          <Tag color={signed ? 'green' : undefined}>{signed ? w.signed : w.notSigned}</Tag>
          <Button
            size="small"
            aria-label={w.clearSignature(label)}
            onClick={() => {
              pad.current?.clear();
              setSigned(false);
            }}
          >
            {w.clear}
          </Button>
        </Flex>
      </Flex>
      <canvas
        ref={canvas}
        role="img"
        aria-label={label}
        aria-describedby={hintId}
        style={{
          width: '100%',
          height: HEIGHT,
          border: '1px dashed #8c8c8c',
          borderRadius: 6,
          background: '#fff',
          touchAction: 'none',
          cursor: 'crosshair',
        }}
      />
      <Typography.Text type="secondary" id={hintId} style={{ fontSize: 12 }}>
        {w.padHint}
      </Typography.Text>
    </Flex>
  );
}
