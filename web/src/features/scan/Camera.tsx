import { Alert, Typography } from 'antd';
import { useEffect, useRef, useState } from 'react';
import { prepareZXingModule, readBarcodes, type ReaderOptions } from 'zxing-wasm/reader';
// The decoder's WebAssembly is one of the console's own files (Vite hashes it): the CSP and a closed network
// forbid the CDN zxing-wasm would fetch it from by default. This module is loaded only when the camera starts.
import wasmUrl from 'zxing-wasm/reader/zxing_reader.wasm?url';
import { useWords } from '../../lib/i18n';
import { words } from './words';

prepareZXingModule({
  overrides: { locateFile: (path: string, prefix: string) => (path.endsWith('.wasm') ? wasmUrl : prefix + path) },
});

const OPTIONS: ReaderOptions = { formats: ['Code128', 'QRCode'], tryHarder: true, maxNumberOfSymbols: 1 };
const FRAME_INTERVAL_MS = 120;
// The camera sees a label for many frames: the same code again within this time is the same scan.
const SAME_SCAN_MS = 2500;

/** The phone's back camera, decoding Code 128 and QR codes in the browser; each code read is one scan. */
export default function Camera({ onCode }: { onCode: (code: string) => void }) {
  const w = useWords(words);
  const video = useRef<HTMLVideoElement>(null);
  const [failed, setFailed] = useState<string>();
  const [live, setLive] = useState(false);
  const handler = useRef(onCode);
  useEffect(() => {
    handler.current = onCode;
  }, [onCode]);

  useEffect(() => {
    let stream: MediaStream | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    let last = { text: '', at: 0 };
    const canvas = document.createElement('canvas');
    const context = canvas.getContext('2d', { willReadFrequently: true });

    const frame = async () => {
      const el = video.current;
      if (stopped || !el || !context) return;
      if (el.readyState >= el.HAVE_CURRENT_DATA && el.videoWidth > 0) {
        canvas.width = el.videoWidth;
        canvas.height = el.videoHeight;
        context.drawImage(el, 0, 0);
        try {
          const [read] = await readBarcodes(context.getImageData(0, 0, canvas.width, canvas.height), OPTIONS);
          const now = Date.now();
          if (read?.isValid && read.text && (read.text !== last.text || now - last.at > SAME_SCAN_MS)) {
            handler.current(read.text);
          }
          if (read?.isValid && read.text) last = { text: read.text, at: now };
        } catch (error) {
          if (!stopped) setFailed(String((error as Error).message ?? error));
          return;
        }
      }
      if (!stopped) timer = setTimeout(frame, FRAME_INTERVAL_MS);
    };

    (async () => {
      try {
        stream = await navigator.mediaDevices.getUserMedia({
          video: { facingMode: 'environment', width: { ideal: 1280 } },
          audio: false,
        });
        if (stopped) return stream.getTracks().forEach((track) => track.stop());
        const el = video.current!;
        el.srcObject = stream;
        await el.play();
        setLive(true);
        void frame();
      } catch (error) {
        if (!stopped) setFailed(String((error as Error).message ?? error));
      }
    })();

    return () => {
      stopped = true;
      clearTimeout(timer);
      stream?.getTracks().forEach((track) => track.stop());
    };
  }, []);

  return (
    <div>
      {failed && <Alert type="error" showIcon title={w.cameraFailed} description={failed} role="alert" />}
      {!live && !failed && <Typography.Text type="secondary">{w.cameraStarting}</Typography.Text>}
      <video
        ref={video}
        muted
        playsInline
        aria-label={w.cameraView}
        data-testid="camera"
        style={{
          width: '100%',
          maxHeight: 320,
          background: '#000',
          borderRadius: 8,
          display: failed ? 'none' : 'block',
        }}
      />
    </div>
  );
}
