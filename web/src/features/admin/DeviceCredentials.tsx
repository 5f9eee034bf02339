import { Alert, Flex, Spin, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { ProblemAlert } from '../../components/ProblemAlert';
import { useWords } from '../../lib/i18n';
import { useBroker, type DeviceWithPassword } from './api';
import { words } from './devices.words';
import { SecretOnce } from './secrets';

/**
 * What a scanner is provisioned with, as one JSON text (docs/devices.md): where to connect, as whom, and
 * under which topics. The client id and the username are both the device id.
 */
export function provisioning(device: DeviceWithPassword, broker: string | null): string {
  return JSON.stringify({
    v: 1,
    broker,
    clientId: device.id,
    username: device.username,
    password: device.password,
    topic: device.topic,
    code: device.code,
    kind: device.kind,
    mode: device.mode,
  });
}

const LOOPBACK = /^[a-z]+:\/\/(127\.|localhost|\[::1\])/;

/** The QR code of the provisioning text, drawn in the browser; the encoder is loaded on this page only. */
function ProvisioningCode({ text, alt }: { text: string; alt: string }) {
  const [image, setImage] = useState<string>();
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    let current = true;
    import('qrcode')
      // Five pixels a module and the standard quiet zone: read by a scanner held at arm's length.
      .then((qr) => qr.toDataURL(text, { errorCorrectionLevel: 'M', margin: 4, scale: 5 }))
      .then((url) => current && setImage(url), setError);
    return () => {
      current = false;
    };
  }, [text]);
  if (error) return <ProblemAlert error={error} />;
  if (!image) return <Spin />;
  return <img src={image} alt={alt} data-testid="provisioning-qr" style={{ maxWidth: '100%', alignSelf: 'center' }} />;
}

/** A device's MQTT password, shown this once, with everything else it needs and a QR code of it all. */
export function DeviceCredentials({ device }: { device: DeviceWithPassword }) {
  const w = useWords(words);
  const broker = useBroker();
  if (broker.isPending) return <Spin />;
  const url = broker.data?.urls[0] ?? null;
  return (
    <SecretOnce
      title={w.credentialsTitle(device.code)}
      hint={w.credentialsHint}
      rows={[
        { label: w.broker, value: url ?? w.noBroker },
        { label: w.clientId, value: device.username },
        { label: w.password, value: device.password, secret: true },
        { label: w.topic, value: device.topic },
      ]}
    >
      {broker.error && <ProblemAlert error={broker.error} />}
      {url && LOOPBACK.test(url) && <Alert type="info" title={w.loopback} role="note" />}
      <Flex vertical gap={4}>
        <Typography.Text strong>{w.qr}</Typography.Text>
        <Typography.Text type="secondary">{w.qrHint}</Typography.Text>
        <ProvisioningCode text={provisioning(device, url)} alt={w.qrAlt(device.code)} />
      </Flex>
    </SecretOnce>
  );
}
