import { CameraOutlined, DeleteOutlined, PictureOutlined } from '@ant-design/icons';
import { Alert, Button, Flex, Modal, Space, Typography } from 'antd';
import { useEffect, useId, useRef, useState } from 'react';
import { useWords } from '../../../lib/i18n';
import { photoWords } from './words';

/** What the server stores as a photograph, and the most it takes. */
const PHOTO_TYPES = ['image/jpeg', 'image/png'];
const MAX_BYTES = 10 * 1024 * 1024;

export interface Photo {
  id: string;
  blob: Blob;
  name: string;
  /** A blob: URL of the photo for its preview; revoked when the photo is removed. */
  url: string;
}

export const newPhoto = (blob: Blob, name: string): Photo => ({
  id: crypto.randomUUID(),
  blob,
  name,
  url: URL.createObjectURL(blob),
});

/** The computer's camera in a dialog: a live view and a button that takes a JPEG of the frame. */
function CameraDialog({ open, onClose, onCapture }: { open: boolean; onClose(): void; onCapture(blob: Blob): void }) {
  const w = useWords(photoWords);
  return (
    <Modal open={open} title={w.camera} onCancel={onClose} destroyOnHidden footer={null}>
      {open && <CameraView onClose={onClose} onCapture={onCapture} />}
    </Modal>
  );
}

/** Mounted while the dialog is open: the camera is on exactly as long as it is shown. */
function CameraView({ onClose, onCapture }: { onClose(): void; onCapture(blob: Blob): void }) {
  const w = useWords(photoWords);
  const video = useRef<HTMLVideoElement>(null);
  const [stream, setStream] = useState<MediaStream>();
  const [refused, setRefused] = useState(!navigator.mediaDevices);

  useEffect(() => {
    let live: MediaStream | undefined;
    let cancelled = false;
    navigator.mediaDevices
      ?.getUserMedia({ video: { width: { ideal: 1280 }, height: { ideal: 960 } }, audio: false })
      .then((s) => {
        if (cancelled) return s.getTracks().forEach((t) => t.stop());
        live = s;
        setStream(s);
      })
      .catch(() => !cancelled && setRefused(true));
    return () => {
      cancelled = true;
      live?.getTracks().forEach((t) => t.stop());
    };
  }, []);

  useEffect(() => {
    if (video.current && stream) video.current.srcObject = stream;
  }, [stream]);

  const capture = () => {
    const v = video.current;
    if (!v || !v.videoWidth) return;
    const canvas = document.createElement('canvas');
    canvas.width = v.videoWidth;
    canvas.height = v.videoHeight;
    canvas.getContext('2d')!.drawImage(v, 0, 0);
    canvas.toBlob((blob) => blob && onCapture(blob), 'image/jpeg', 0.9);
  };

  return (
    <Flex vertical gap={16}>
      {refused ? (
        <Alert type="error" showIcon title={w.cameraRefused} role="alert" />
      ) : (
        <>
          {!stream && <Typography.Text type="secondary">{w.cameraStarting}</Typography.Text>}
          <video
            ref={video}
            autoPlay
            playsInline
            muted
            aria-label={w.cameraView}
            style={{ width: '100%', background: '#000', display: stream ? 'block' : 'none' }}
          />
        </>
      )}
      <Flex justify="end" gap={8}>
        <Button onClick={onClose}>{w.close}</Button>
        <Button type="primary" icon={<CameraOutlined />} disabled={!stream} onClick={capture}>
          {w.capture}
        </Button>
      </Flex>
    </Flex>
  );
}

/**
 * The photographs of one item: chosen from files or taken with the camera, previewed here, and uploaded by the
 * page once the item is registered (an attachment needs the item's code).
 */
export function PhotoField({
  id,
  value = [],
  onChange,
}: {
  id?: string;
  value?: Photo[];
  onChange?: (next: Photo[]) => void;
}) {
  const w = useWords(photoWords);
  const ownId = useId();
  const inputId = id ?? ownId;
  const [camera, setCamera] = useState(false);
  const [refusals, setRefusals] = useState<string[]>([]);
  const taken = useRef(0);

  const add = (files: { blob: Blob; name: string }[]) => {
    const bad: string[] = [];
    const good = files.filter(({ blob, name }) => {
      if (!PHOTO_TYPES.includes(blob.type)) bad.push(w.wrongType(name));
      else if (blob.size > MAX_BYTES) bad.push(w.tooLarge(name));
      else return true;
      return false;
    });
    setRefusals(bad);
    if (good.length) onChange?.([...value, ...good.map(({ blob, name }) => newPhoto(blob, name))]);
  };
  const remove = (photo: Photo) => {
    URL.revokeObjectURL(photo.url);
    onChange?.(value.filter((p) => p !== photo));
  };

  return (
    <Flex vertical gap={8}>
      <Space wrap>
        <input
          id={inputId}
          type="file"
          accept={PHOTO_TYPES.join(',')}
          multiple
          className="visually-hidden"
          tabIndex={-1}
          aria-label={w.chooseFile}
          onChange={(event) => {
            add([...(event.target.files ?? [])].map((file) => ({ blob: file, name: file.name })));
            event.target.value = '';
          }}
        />
        <Button icon={<PictureOutlined />} onClick={() => document.getElementById(inputId)?.click()}>
          {w.chooseFile}
        </Button>
        <Button icon={<CameraOutlined />} onClick={() => setCamera(true)}>
          {w.takePhoto}
        </Button>
      </Space>
      {refusals.map((refusal) => (
        <Alert key={refusal} type="error" showIcon title={refusal} role="alert" />
      ))}
      {value.length > 0 && (
        <Flex wrap gap={8}>
          {value.map((photo, i) => (
            <div key={photo.id} style={{ position: 'relative' }}>
              <img
                src={photo.url}
                alt={w.preview(i + 1)}
                data-testid="photo-preview"
                width={96}
                height={96}
                style={{ objectFit: 'cover', borderRadius: 6, border: '1px solid #d9d9d9', display: 'block' }}
              />
              <Button
                size="small"
                danger
                icon={<DeleteOutlined />}
                aria-label={w.remove(photo.name)}
                onClick={() => remove(photo)}
                style={{ position: 'absolute', top: 4, right: 4 }}
              />
            </div>
          ))}
        </Flex>
      )}
      <CameraDialog
        open={camera}
        onClose={() => setCamera(false)}
        onCapture={(blob) => {
          taken.current += 1;
          add([{ blob, name: w.captured(taken.current) }]);
          setCamera(false);
        }}
      />
    </Flex>
  );
}
